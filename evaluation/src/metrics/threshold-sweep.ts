import { type MatchDetection, type MatchGroundTruth, matchImage } from './matching.js';

export interface SweepCounts {
  tp: number;
  fp: number;
  fn: number;
}

/** The counts when the detections scoring at least `threshold` are kept. */
export interface SweepStep extends SweepCounts {
  threshold: number;
}

export interface ThresholdSweep {
  /** Regular objects: the false negatives when no detection is kept. */
  objects: number;
  /** One step per distinct detection score, highest first. Between two scores the counts are the lower one's. */
  steps: SweepStep[];
}

interface Change extends SweepCounts {
  score: number;
  categoryId: number;
}

/**
 * Precision, recall and F1 counts at every score threshold, exactly: for each image and class, the one-to-one
 * matching (`matchImage`, the same Hungarian rule as the operating point) of the detections at or above each of
 * their distinct scores, so that the counts at any threshold equal those of matching at that threshold.
 * The matching is class by class, so the overall counts are the sums of the classes'.
 */
export function sweepThresholds(
  images: Iterable<{ groundTruth: readonly MatchGroundTruth[]; detections: readonly MatchDetection[] }>,
  iouThreshold: number,
): { overall: ThresholdSweep; perClass: Map<number, ThresholdSweep> } {
  const changes: Change[] = [];
  const objects = new Map<number, number>();
  for (const { groundTruth, detections } of images) {
    const categories = new Set([...groundTruth, ...detections].map((item) => item.categoryId));
    for (const categoryId of categories) {
      const truth = groundTruth.filter((g) => g.categoryId === categoryId);
      const regular = truth.filter((g) => !g.iscrowd).length;
      objects.set(categoryId, (objects.get(categoryId) ?? 0) + regular);
      const ofClass = detections.filter((d) => d.categoryId === categoryId);
      const scores = [...new Set(ofClass.map((d) => d.score))].sort((a, b) => b - a);
      let previous: SweepCounts = { tp: 0, fp: 0, fn: regular };
      for (const score of scores) {
        const m = matchImage(
          truth,
          ofClass.filter((d) => d.score >= score),
          iouThreshold,
        );
        const now = { tp: m.truePositives, fp: m.falsePositives, fn: m.falseNegatives };
        changes.push({
          score,
          categoryId,
          tp: now.tp - previous.tp,
          fp: now.fp - previous.fp,
          fn: now.fn - previous.fn,
        });
        previous = now;
      }
    }
  }
  changes.sort((a, b) => b.score - a.score);
  const accumulate = (list: readonly Change[], total: number): ThresholdSweep => {
    const steps: SweepStep[] = [];
    let counts: SweepCounts = { tp: 0, fp: 0, fn: total };
    for (const change of list) {
      counts = { tp: counts.tp + change.tp, fp: counts.fp + change.fp, fn: counts.fn + change.fn };
      const last = steps[steps.length - 1];
      if (last && last.threshold === change.score) Object.assign(last, counts);
      else steps.push({ threshold: change.score, ...counts });
    }
    return { objects: total, steps };
  };
  const perClass = new Map<number, ThresholdSweep>();
  for (const [categoryId, total] of objects) {
    perClass.set(
      categoryId,
      accumulate(
        changes.filter((change) => change.categoryId === categoryId),
        total,
      ),
    );
  }
  const allObjects = [...objects.values()].reduce((a, b) => a + b, 0);
  return { overall: accumulate(changes, allObjects), perClass };
}

/** The counts when the detections scoring at least `threshold` are kept. */
export function countsAt(sweep: ThresholdSweep, threshold: number): SweepCounts {
  let counts: SweepCounts = { tp: 0, fp: 0, fn: sweep.objects };
  for (const step of sweep.steps) {
    if (step.threshold < threshold) break;
    counts = step;
  }
  return { tp: counts.tp, fp: counts.fp, fn: counts.fn };
}

export const f1Of = ({ tp, fp, fn }: SweepCounts) =>
  2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);

/**
 * The threshold with the highest F1: a detection score (keeping it and everything above). Among equal F1 the
 * highest such threshold (the fewest detections). Null when no threshold finds anything (F1 0 throughout).
 */
export function bestF1(sweep: ThresholdSweep): SweepStep | null {
  let best: SweepStep | null = null;
  let bestValue = 0;
  for (const step of sweep.steps) {
    const value = f1Of(step);
    if (value > bestValue) {
      bestValue = value;
      best = step;
    }
  }
  return best && { ...best };
}
