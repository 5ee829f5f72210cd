/** The JSON of the last `data:` line of a job's event stream (`GET /jobs/{id}/events`) read to its end. */
export function lastEventData(events: string): unknown {
  const data = events
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .at(-1);
  if (data === undefined) throw new Error(`the event stream has no data line: ${JSON.stringify(events)}`);
  return JSON.parse(data.slice('data: '.length));
}
