import type { GroundTruthAnnotation } from '../dataset/dataset.js';
import type { ImageFailures } from './failure-analysis.js';
import type { MatchDetection } from './matching.js';

export type ObjectSize = 'small' | 'medium' | 'large';
export const OBJECT_SIZES: readonly ObjectSize[] = ['small', 'medium', 'large'];

/** COCO's area ranges as a partition: small < 32² ≤ medium < 96² ≤ large (pixels). */
export const sizeOf = (area: number): ObjectSize =>
  area < 32 ** 2 ? 'small' : area < 96 ** 2 ? 'medium' : 'large';

export interface SizeCounts {
  /** Regular objects of this size (tp + fn). */
  objects: number;
  /** Detections counted at this size (tp + fp). */
  detections: number;
  tp: number;
  fp: number;
  fn: number;
}

export const emptySizeCounts = (): Record<ObjectSize, SizeCounts> =>
  Object.fromEntries(
    OBJECT_SIZES.map((size) => [size, { objects: 0, detections: 0, tp: 0, fp: 0, fn: 0 }]),
  ) as Record<ObjectSize, SizeCounts>;

/**
 * Adds one image's operating-point outcome by size, as COCOeval assigns sizes: an object by its annotated `area`
 * (COCO's segmentation area), a true positive by the size of the object it matched, a false positive by its own
 * box area. Ignored detections and crowd regions are left out.
 */
export function addSizeCounts(
  totals: Record<ObjectSize, SizeCounts>,
  groundTruth: readonly GroundTruthAnnotation[],
  detections: readonly MatchDetection[],
  failures: ImageFailures,
): void {
  for (const [g, outcome] of failures.groundTruth.entries()) {
    if (outcome.verdict === 'crowd') continue;
    const counts = totals[sizeOf(groundTruth[g]!.area)];
    counts.objects++;
    if (outcome.verdict === 'matched') {
      counts.tp++;
      counts.detections++;
    } else counts.fn++;
  }
  for (const [d, outcome] of failures.detections.entries()) {
    if (outcome.verdict !== 'fp') continue;
    const [, , w, h] = detections[d]!.bbox;
    const counts = totals[sizeOf(w * h)];
    counts.fp++;
    counts.detections++;
  }
}
