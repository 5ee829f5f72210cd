import { boxIou } from './box-iou.js';
import { assignByIou, type ImageMatching, type MatchDetection, type MatchGroundTruth } from './matching.js';

/**
 * Object class against predicted class, with background on both sides: `counts[row][column]`, rows the object's
 * class (last row: background, no object), columns the predicted class (last column: missed, no detection).
 * Every regular object is counted once in its row and every detection that is not ignored once in its column:
 * - the diagonal holds the true positives of the class-by-class matching;
 * - then the objects and detections left over are matched one to one regardless of class (the same Hungarian
 *   rule at the same IoU threshold): such a pair is a confusion, off the diagonal;
 * - a detection still left over goes to the background row, an object still left over to the missed column.
 * A wrong-class detection on an object that was also found correctly therefore counts as background: the
 * object is on the diagonal already.
 */
export interface ConfusionMatrix {
  categoryIds: number[];
  counts: number[][];
}

export function emptyConfusionMatrix(categoryIds: readonly number[]): ConfusionMatrix {
  const size = categoryIds.length + 1;
  return {
    categoryIds: [...categoryIds],
    counts: Array.from({ length: size }, () => new Array<number>(size).fill(0)),
  };
}

/** Adds one image, given its class-by-class matching at `iouThreshold`. */
export function addToConfusionMatrix(
  matrix: ConfusionMatrix,
  groundTruth: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  matching: ImageMatching,
  iouThreshold: number,
): void {
  const index = new Map(matrix.categoryIds.map((id, i) => [id, i]));
  const background = matrix.categoryIds.length;
  const at = (categoryId: number) => {
    const i = index.get(categoryId);
    if (i === undefined) throw new Error(`category ${categoryId} is not in the confusion matrix`);
    return i;
  };
  for (const pair of matching.pairs) {
    const k = at(groundTruth[pair.groundTruth]!.categoryId);
    matrix.counts[k]![k]!++;
  }
  const matchedObjects = new Set(matching.pairs.map((pair) => pair.groundTruth));
  const objects = [...groundTruth.keys()].filter((g) => !groundTruth[g]!.iscrowd && !matchedObjects.has(g));
  const unmatched = [...detections.keys()].filter((d) => matching.verdicts[d] === 'fp');
  const ious = unmatched.map((d) => objects.map((g) => boxIou(detections[d]!.bbox, groundTruth[g]!.bbox)));
  const confused = assignByIou(ious, iouThreshold);
  const confusedDetections = new Set(confused.map((pair) => pair.detection));
  const confusedObjects = new Set(confused.map((pair) => pair.groundTruth));
  for (const pair of confused) {
    matrix.counts[at(groundTruth[objects[pair.groundTruth]!]!.categoryId)]![
      at(detections[unmatched[pair.detection]!]!.categoryId)
    ]!++;
  }
  for (const [i, d] of unmatched.entries()) {
    if (!confusedDetections.has(i)) matrix.counts[background]![at(detections[d]!.categoryId)]!++;
  }
  for (const [j, g] of objects.entries()) {
    if (!confusedObjects.has(j)) matrix.counts[at(groundTruth[g]!.categoryId)]![background]!++;
  }
}
