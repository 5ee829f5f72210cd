import type { CocoBox } from '../dataset/dataset.js';
import { boxIou } from './box-iou.js';
import { solveAssignment } from './hungarian.js';

export interface MatchGroundTruth {
  categoryId: number;
  bbox: CocoBox;
  iscrowd: boolean;
}

export interface MatchDetection {
  categoryId: number;
  bbox: CocoBox;
  score: number;
}

export interface MatchedPair {
  detection: number;
  groundTruth: number;
  iou: number;
}

export interface ImageMatching {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Unmatched detections inside a crowd region of their class: neither right nor wrong. */
  ignored: number;
  pairs: MatchedPair[];
  /** Per detection: 'tp', 'fp' or 'ignored'. */
  verdicts: ('tp' | 'fp' | 'ignored')[];
}

/**
 * The one-to-one pairs of an IoU matrix [detection][ground truth]: among the assignments with the most pairs at
 * IoU ≥ `iouThreshold`, the one with the highest total IoU (Hungarian method). Indices are the matrix's.
 */
export function assignByIou(ious: readonly (readonly number[])[], iouThreshold: number): MatchedPair[] {
  const columns = ious[0]?.length ?? 0;
  // A non-qualifying pair costs more than any set of qualifying ones, so the count of qualifying pairs comes first.
  const forbidden = Math.min(ious.length, columns) + 1;
  const cost = ious.map((row) => row.map((iou) => (iou >= iouThreshold ? 1 - iou : forbidden)));
  const pairs: MatchedPair[] = [];
  for (const [d, g] of solveAssignment(cost).entries()) {
    if (g >= 0 && ious[d]![g]! >= iouThreshold)
      pairs.push({ detection: d, groundTruth: g, iou: ious[d]![g]! });
  }
  return pairs;
}

/**
 * One-to-one matching of detections to ground truth in one image, class by class, by the Hungarian method: a pair
 * qualifies when the classes agree and IoU ≥ `iouThreshold`; among the assignments with the most qualifying pairs
 * it takes the one with the highest total IoU. Scores play no part (filter detections before). Crowd regions are
 * not matched and not missed; an unmatched detection lying at least `iouThreshold` inside a crowd region of its
 * class (intersection over the detection's area, as COCO) is ignored.
 */
export function matchImage(
  groundTruth: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  iouThreshold = 0.5,
): ImageMatching {
  const verdicts = new Array<'tp' | 'fp' | 'ignored'>(detections.length).fill('fp');
  const pairs: MatchedPair[] = [];
  const categories = new Set([...groundTruth, ...detections].map((item) => item.categoryId));
  let falseNegatives = 0;

  for (const categoryId of categories) {
    const gts = [...groundTruth.keys()].filter((g) => groundTruth[g]!.categoryId === categoryId);
    const regular = gts.filter((g) => !groundTruth[g]!.iscrowd);
    const crowds = gts.filter((g) => groundTruth[g]!.iscrowd);
    const dts = [...detections.keys()].filter((d) => detections[d]!.categoryId === categoryId);

    const ious = dts.map((d) => regular.map((g) => boxIou(detections[d]!.bbox, groundTruth[g]!.bbox)));
    const assigned = assignByIou(ious, iouThreshold);
    for (const pair of assigned) {
      verdicts[dts[pair.detection]!] = 'tp';
      pairs.push({ detection: dts[pair.detection]!, groundTruth: regular[pair.groundTruth]!, iou: pair.iou });
    }
    falseNegatives += regular.length - assigned.length;
    for (const d of dts) {
      if (
        verdicts[d] !== 'tp' &&
        crowds.some((g) => boxIou(detections[d]!.bbox, groundTruth[g]!.bbox, true) >= iouThreshold)
      )
        verdicts[d] = 'ignored';
    }
  }
  pairs.sort((a, b) => a.detection - b.detection);
  return {
    truePositives: pairs.length,
    falsePositives: verdicts.filter((verdict) => verdict === 'fp').length,
    falseNegatives,
    ignored: verdicts.filter((verdict) => verdict === 'ignored').length,
    pairs,
    verdicts,
  };
}

export interface MatchingScores {
  tp: number;
  fp: number;
  fn: number;
  /** null where undefined: no detections (precision), no ground truth (recall), neither (F1). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Mean IoU of the matched pairs; null when there are none. */
  mean_iou: number | null;
}

export type Rates = Omit<MatchingScores, 'mean_iou'>;

export function precisionRecallF1(tp: number, fp: number, fn: number): Rates {
  return {
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn),
  };
}

export function scoreMatching(tp: number, fp: number, fn: number, iouSum: number): MatchingScores {
  return { ...precisionRecallF1(tp, fp, fn), mean_iou: tp === 0 ? null : iouSum / tp };
}
