import type { Detection } from './detection.js';

const CENTERNET_ROW_LENGTH = 6;

/**
 * CenterNet with its decoding inside the graph: rows of [x1, y1, x2, y2, score, class] in input pixels.
 * Returns the rows scoring above the threshold with a valid class id (rows with NaN are skipped, as the
 * reference library does), optionally only the wanted classes.
 */
export function decodeCenternetRows(
  rows: Float32Array,
  classCount: number,
  scoreThreshold: number,
  classIds: ReadonlySet<number> | null,
): Detection[] {
  const detections: Detection[] = [];
  for (let index = 0; index + CENTERNET_ROW_LENGTH <= rows.length; index += CENTERNET_ROW_LENGTH) {
    const score = rows[index + 4]!;
    if (!(score > scoreThreshold)) continue;
    const classId = rows[index + 5]!;
    if (!Number.isInteger(classId) || classId < 0 || classId >= classCount) continue;
    if (classIds && !classIds.has(classId)) continue;
    const [x1, y1, x2, y2] = [rows[index]!, rows[index + 1]!, rows[index + 2]!, rows[index + 3]!];
    if (![x1, y1, x2, y2].every(Number.isFinite)) continue;
    detections.push({ x1, y1, x2, y2, score, classId, index: index / CENTERNET_ROW_LENGTH });
  }
  return detections;
}
