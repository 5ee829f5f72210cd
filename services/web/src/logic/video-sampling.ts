/** Sampling rates the Videos view offers (frames detected per second of video); '' = the backend's default. */
export const SAMPLING_RATES = [0.5, 1, 2, 5, 10] as const;

/** The `fps` sent with an upload from the select's value: undefined for the backend's default. */
export function samplingFps(value: string): number | undefined {
  const fps = Number(value);
  return value !== '' && Number.isFinite(fps) && fps > 0 ? fps : undefined;
}
