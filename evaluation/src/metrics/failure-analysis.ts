import { boxIou } from './box-iou.js';
import type { ImageMatching, MatchDetection, MatchGroundTruth } from './matching.js';

/** Below this IoU with every object a false positive is on background (TIDE's background threshold t_b). */
export const BACKGROUND_IOU = 0.1;

/**
 * Why a detection is a false positive, in TIDE's order of tests (Bolya et al., ECCV 2020), with t_f the matching
 * IoU threshold and t_b = BACKGROUND_IOU, IoUs taken against the image's regular (non-crowd) objects:
 * - `localisation`: its best IoU with an object of its own class is in [t_b, t_f);
 * - `wrong_class`: IoU ≥ t_f with an object of another class;
 * - `duplicate`: IoU ≥ t_f with an object of its own class that another detection matched;
 * - `background`: IoU < t_b with every object;
 * - `class_and_localisation`: none of these (best IoU with another class's object in [t_b, t_f)).
 */
export type FalsePositiveReason =
  | 'duplicate'
  | 'wrong_class'
  | 'localisation'
  | 'class_and_localisation'
  | 'background';

export const FALSE_POSITIVE_REASONS: readonly FalsePositiveReason[] = [
  'duplicate',
  'wrong_class',
  'localisation',
  'class_and_localisation',
  'background',
];

export type DetectionOutcome =
  | { verdict: 'tp'; groundTruth: number; iou: number }
  | { verdict: 'ignored' }
  /** `groundTruth`: the object the reason refers to (index into the image's ground truth), null on background. */
  | { verdict: 'fp'; reason: FalsePositiveReason; groundTruth: number | null; iou: number };

export type GroundTruthOutcome =
  | { verdict: 'matched'; detection: number }
  | { verdict: 'crowd' }
  /** `nearby`: the false positives whose reason points at this object (localisation, wrong class or both). */
  | { verdict: 'missed'; nearby: number[] };

export interface ImageFailures {
  /** Index-aligned with the matched detections. */
  detections: DetectionOutcome[];
  /** Index-aligned with the image's ground truth. */
  groundTruth: GroundTruthOutcome[];
}

function best(values: readonly number[], indices: readonly number[]): { index: number | null; iou: number } {
  let index: number | null = null;
  let iou = 0;
  for (const i of indices) {
    if (values[i]! > iou) {
      iou = values[i]!;
      index = i;
    }
  }
  return { index, iou };
}

/**
 * Explains every detection and object of one image, given its one-to-one matching at `iouThreshold`:
 * true positives, ignored detections (in a crowd region), false positives with their reason, and missed objects.
 */
export function analyseFailures(
  groundTruth: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  matching: ImageMatching,
  iouThreshold: number,
  backgroundIou = BACKGROUND_IOU,
): ImageFailures {
  const regular = [...groundTruth.keys()].filter((g) => !groundTruth[g]!.iscrowd);
  const pairOf = new Map(matching.pairs.map((pair) => [pair.detection, pair]));
  const outcomes: DetectionOutcome[] = detections.map((detection, d) => {
    const pair = pairOf.get(d);
    if (pair) return { verdict: 'tp', groundTruth: pair.groundTruth, iou: pair.iou };
    if (matching.verdicts[d] === 'ignored') return { verdict: 'ignored' };
    const ious = groundTruth.map((g) => (g.iscrowd ? 0 : boxIou(detection.bbox, g.bbox)));
    const same = best(
      ious,
      regular.filter((g) => groundTruth[g]!.categoryId === detection.categoryId),
    );
    const other = best(
      ious,
      regular.filter((g) => groundTruth[g]!.categoryId !== detection.categoryId),
    );
    const fp = (reason: FalsePositiveReason, target: { index: number | null; iou: number }) =>
      ({ verdict: 'fp', reason, groundTruth: target.index, iou: target.iou }) as const;
    if (same.iou >= backgroundIou && same.iou < iouThreshold) return fp('localisation', same);
    if (other.iou >= iouThreshold) return fp('wrong_class', other);
    // The object is matched already: were it free, the matching would have paired it with this detection.
    if (same.iou >= iouThreshold) return fp('duplicate', same);
    if (Math.max(same.iou, other.iou) < backgroundIou)
      return { verdict: 'fp', reason: 'background', groundTruth: null, iou: Math.max(same.iou, other.iou) };
    return fp('class_and_localisation', other);
  });

  const matchedBy = new Map(matching.pairs.map((pair) => [pair.groundTruth, pair.detection]));
  const groundTruthOutcomes: GroundTruthOutcome[] = groundTruth.map((g, index) => {
    if (g.iscrowd) return { verdict: 'crowd' };
    const detection = matchedBy.get(index);
    if (detection !== undefined) return { verdict: 'matched', detection };
    const nearby = outcomes.flatMap((outcome, d) =>
      outcome.verdict === 'fp' && outcome.reason !== 'duplicate' && outcome.groundTruth === index ? [d] : [],
    );
    return { verdict: 'missed', nearby };
  });
  return { detections: outcomes, groundTruth: groundTruthOutcomes };
}

export type FalsePositiveCounts = Record<FalsePositiveReason, number>;

export interface FailureCounts {
  falsePositives: FalsePositiveCounts;
  /** Missed objects; `nearby`: of them, those a wrong-class or poorly localised detection points at. */
  missed: number;
  missedNearby: number;
}

export const emptyFalsePositiveCounts = (): FalsePositiveCounts =>
  Object.fromEntries(FALSE_POSITIVE_REASONS.map((reason) => [reason, 0])) as FalsePositiveCounts;

/** Counts false positives by reason and missed objects, optionally only those of one class. */
export function countFailures(
  failures: ImageFailures,
  groundTruth: readonly MatchGroundTruth[],
  detections: readonly MatchDetection[],
  categoryId?: number,
): FailureCounts {
  const counts: FailureCounts = { falsePositives: emptyFalsePositiveCounts(), missed: 0, missedNearby: 0 };
  for (const [d, outcome] of failures.detections.entries()) {
    if (outcome.verdict !== 'fp') continue;
    if (categoryId !== undefined && detections[d]!.categoryId !== categoryId) continue;
    counts.falsePositives[outcome.reason]++;
  }
  for (const [g, outcome] of failures.groundTruth.entries()) {
    if (outcome.verdict !== 'missed') continue;
    if (categoryId !== undefined && groundTruth[g]!.categoryId !== categoryId) continue;
    counts.missed++;
    if (outcome.nearby.length > 0) counts.missedNearby++;
  }
  return counts;
}

export function addFailureCounts(total: FailureCounts, add: FailureCounts): void {
  for (const reason of FALSE_POSITIVE_REASONS) total.falsePositives[reason] += add.falsePositives[reason];
  total.missed += add.missed;
  total.missedNearby += add.missedNearby;
}
