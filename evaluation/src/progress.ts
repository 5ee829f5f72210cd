/** A one-line progress bar on a terminal; on anything else (a log file, CI) it stays silent. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = performance.now();
  const interactive = stream.isTTY === true;
  return {
    update(done: number, total: number): void {
      if (!interactive) return;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const elapsed = (performance.now() - started) / 1000;
      const eta = done === 0 ? '' : ` · ${((elapsed / done) * (total - done)).toFixed(0)} s left`;
      stream.write(
        `\r${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} · ${elapsed.toFixed(1)} s${eta}\x1b[K`,
      );
      if (done === total) stream.write('\n');
    },
  };
}
