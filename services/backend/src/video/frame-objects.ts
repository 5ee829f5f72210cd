import { randomUUID } from 'node:crypto';
import type { DecodedDetection } from '../inference/codec.js';
import type { Box } from './tracker.js';

/** One detected object of a sampled frame, as stored (JSON in `video_frames.objects`) and as the API returns it. */
export interface FrameObject {
  object_id: string;
  bbox: Box;
  label: string;
  class_id: number;
  score: number;
  /** Set when the job completes (the tracker runs over all frames); null before, or for an unmatched low score. */
  track_id: number | null;
}

const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);

/** Model detections of one frame as stored objects: integer boxes clamped to the frame, best score first. */
export function toFrameObjects(
  detections: DecodedDetection[],
  frame: { width: number; height: number },
): FrameObject[] {
  return [...detections]
    .sort((a, b) => b.score - a.score)
    .map((detection) => {
      const [x1, y1, x2, y2] = detection.box;
      return {
        object_id: randomUUID(),
        bbox: [
          clamp(Math.round(Math.min(x1, x2)), frame.width),
          clamp(Math.round(Math.min(y1, y2)), frame.height),
          clamp(Math.round(Math.max(x1, x2)), frame.width),
          clamp(Math.round(Math.max(y1, y2)), frame.height),
        ],
        label: detection.label,
        class_id: detection.classId,
        score: Math.round(detection.score * 10_000) / 10_000,
        track_id: null,
      };
    });
}
