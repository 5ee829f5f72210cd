/** A box `[x_min, y_min, x_max, y_max]` in frame pixels. */
export type Box = [number, number, number, number];

export interface TrackedDetection {
  bbox: Box;
  label: string;
  score: number;
}

export interface TrackerFrame {
  frameIndex: number;
  timestampMs: number;
  detections: TrackedDetection[];
}

export interface TrackPoint {
  timestamp_ms: number;
  bbox: Box;
  score: number;
}

export interface Track {
  trackId: number;
  label: string;
  firstMs: number;
  lastMs: number;
  framesSeen: number;
  bestScore: number;
  path: TrackPoint[];
}

/**
 * The tracker's parameters (ByteTrack's two-stage association, with greedy IoU matching and a constant-velocity
 * prediction instead of a Kalman filter):
 * - `highScore`: detections at or above it are matched first and may start a track;
 * - detections below it (already above the job's score threshold) are matched second, to tracks left over, and
 *   never start one: a briefly uncertain object keeps its track;
 * - `minIou`: the least overlap between a track's predicted box and a detection for them to match (same label);
 * - `maxMissedFrames`: a track not matched in this many consecutive sampled frames ends; one that reappears
 *   after that gets a new id.
 */
export interface TrackerOptions {
  highScore: number;
  minIou: number;
  maxMissedFrames: number;
}

export const defaultTrackerOptions: TrackerOptions = { highScore: 0.5, minIou: 0.3, maxMissedFrames: 5 };

/** Intersection over union of two boxes; 0 when both are empty. */
export function boxIou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const intersection = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection;
  return union > 0 ? intersection / union : 0;
}

interface LiveTrack {
  track: Track;
  last: Box;
  /** Box change per sampled frame, from the last two matches. */
  velocity: Box;
  lastFrame: number;
  missed: number;
}

function predicted(live: LiveTrack, frame: number): Box {
  const steps = frame - live.lastFrame;
  return live.last.map((value, i) => value + live.velocity[i]! * steps) as Box;
}

/** Greedy matching by descending IoU: each track and each detection used at most once. */
function associate(
  tracks: LiveTrack[],
  detections: Array<{ index: number; detection: TrackedDetection }>,
  frame: number,
  minIou: number,
): Array<[LiveTrack, number]> {
  const pairs: Array<{ track: LiveTrack; index: number; iou: number }> = [];
  for (const track of tracks) {
    const box = predicted(track, frame);
    for (const { index, detection } of detections) {
      if (detection.label !== track.track.label) continue;
      const overlap = boxIou(box, detection.bbox);
      if (overlap >= minIou) pairs.push({ track, index, iou: overlap });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou);
  const usedTracks = new Set<LiveTrack>();
  const usedDetections = new Set<number>();
  const matches: Array<[LiveTrack, number]> = [];
  for (const pair of pairs) {
    if (usedTracks.has(pair.track) || usedDetections.has(pair.index)) continue;
    usedTracks.add(pair.track);
    usedDetections.add(pair.index);
    matches.push([pair.track, pair.index]);
  }
  return matches;
}

/**
 * Assigns track ids over sampled frames in order. Returns, per frame, the track id of each detection (null for a
 * low-score detection that matched no track), and the tracks. Deterministic: the same frames give the same ids.
 */
export function trackObjects(
  frames: TrackerFrame[],
  options: TrackerOptions = defaultTrackerOptions,
): { assignments: Array<Array<number | null>>; tracks: Track[] } {
  const tracks: Track[] = [];
  let live: LiveTrack[] = [];
  const assignments: Array<Array<number | null>> = [];
  for (const frame of [...frames].sort((a, b) => a.frameIndex - b.frameIndex)) {
    const ids: Array<number | null> = frame.detections.map(() => null);
    const indexed = frame.detections.map((detection, index) => ({ index, detection }));
    const high = indexed.filter(({ detection }) => detection.score >= options.highScore);
    const low = indexed.filter(({ detection }) => detection.score < options.highScore);

    const matchFirst = associate(live, high, frame.frameIndex, options.minIou);
    const matched = new Set(matchFirst.map(([track]) => track));
    const leftover = live.filter((track) => !matched.has(track));
    const matchSecond = associate(leftover, low, frame.frameIndex, options.minIou);

    for (const [track, index] of [...matchFirst, ...matchSecond]) {
      const detection = frame.detections[index]!;
      const steps = frame.frameIndex - track.lastFrame;
      track.velocity = detection.bbox.map((value, i) => (value - track.last[i]!) / steps) as Box;
      track.last = detection.bbox;
      track.lastFrame = frame.frameIndex;
      track.missed = 0;
      track.track.lastMs = frame.timestampMs;
      track.track.framesSeen += 1;
      track.track.bestScore = Math.max(track.track.bestScore, detection.score);
      track.track.path.push({
        timestamp_ms: frame.timestampMs,
        bbox: detection.bbox,
        score: detection.score,
      });
      ids[index] = track.track.trackId;
      matched.add(track);
    }
    for (const track of live) if (!matched.has(track)) track.missed += 1;
    live = live.filter((track) => track.missed <= options.maxMissedFrames);

    const usedHigh = new Set(matchFirst.map(([, index]) => index));
    for (const { index, detection } of high) {
      if (usedHigh.has(index)) continue;
      const track: Track = {
        trackId: tracks.length + 1,
        label: detection.label,
        firstMs: frame.timestampMs,
        lastMs: frame.timestampMs,
        framesSeen: 1,
        bestScore: detection.score,
        path: [{ timestamp_ms: frame.timestampMs, bbox: detection.bbox, score: detection.score }],
      };
      tracks.push(track);
      live.push({
        track,
        last: detection.bbox,
        velocity: [0, 0, 0, 0],
        lastFrame: frame.frameIndex,
        missed: 0,
      });
      ids[index] = track.trackId;
    }
    assignments.push(ids);
  }
  return { assignments, tracks };
}
