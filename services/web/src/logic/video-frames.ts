/**
 * The sampled frame to draw at a media time: the one whose timestamp is nearest (the earlier one on a tie), by
 * binary search over frames sorted by timestamp. Null when there are no frames.
 */
export function nearestFrame<T extends { timestamp: number }>(frames: readonly T[], time: number): T | null {
  if (frames.length === 0 || !Number.isFinite(time)) return null;
  let low = 0;
  let high = frames.length;
  // the first frame at or after `time`
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (frames[middle]!.timestamp < time) low = middle + 1;
    else high = middle;
  }
  if (low === 0) return frames[0]!;
  if (low === frames.length) return frames[frames.length - 1]!;
  const before = frames[low - 1]!;
  const after = frames[low]!;
  return time - before.timestamp <= after.timestamp - time ? before : after;
}
