import { randomUUID } from 'node:crypto';
import type { NewObjectRow } from '../db/records.js';
import type { DecodedDetection } from '../inference/codec.js';

const round = (value: number, digits: number) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);

/**
 * Turns model detections (float boxes in original-image pixels, sorted by score) into object rows: integer boxes
 * clamped to the image, centroid of the box, radius of the circle through its corners, one UUID each.
 */
export function toObjectRows(
  detections: DecodedDetection[],
  image: { id: string; width: number; height: number },
  runId: string,
): NewObjectRow[] {
  return [...detections]
    .sort((a, b) => b.score - a.score)
    .map((detection, rank) => {
      const [x1, y1, x2, y2] = detection.box;
      const xMin = clamp(Math.round(Math.min(x1, x2)), image.width);
      const yMin = clamp(Math.round(Math.min(y1, y2)), image.height);
      const xMax = clamp(Math.round(Math.max(x1, x2)), image.width);
      const yMax = clamp(Math.round(Math.max(y1, y2)), image.height);
      return {
        id: randomUUID(),
        imageId: image.id,
        runId,
        classId: detection.classId,
        label: detection.label,
        score: round(detection.score, 4),
        xMin,
        yMin,
        xMax,
        yMax,
        centroidX: (xMin + xMax) / 2,
        centroidY: (yMin + yMax) / 2,
        radius: round(Math.hypot(xMax - xMin, yMax - yMin) / 2, 2),
        rank,
      };
    });
}
