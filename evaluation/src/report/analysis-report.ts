import {
  addFailureCounts,
  BACKGROUND_IOU,
  countFailures,
  emptyFalsePositiveCounts,
  FALSE_POSITIVE_REASONS,
  type FailureCounts,
  type FalsePositiveCounts,
} from '../metrics/failure-analysis.js';
import { type MatchingScores, precisionRecallF1, type Rates, scoreMatching } from '../metrics/matching.js';
import { roundTo } from '../metrics/round.js';
import {
  addSizeCounts,
  emptySizeCounts,
  OBJECT_SIZES,
  type ObjectSize,
  type SizeCounts,
} from '../metrics/size-breakdown.js';
import { bestF1, countsAt, type ThresholdSweep } from '../metrics/threshold-sweep.js';
import type { EvaluationRun } from '../score-run.js';

/** Precision, recall and F1 (with their counts) when the detections scoring at least `threshold` are kept. */
export interface ThresholdRow extends Rates {
  threshold: number;
}

export interface OperatingPointReport {
  score_threshold: number;
  iou_threshold: number;
  /** The detection score that maximises F1 overall (the highest one on a tie); null if F1 is 0 throughout. */
  best: ThresholdRow | null;
  /** Thresholds 0.05, 0.10, …, 0.95. */
  table: ThresholdRow[];
  /** Thresholds 0, 0.01, …, 1, for the chart. Precision is null where nothing is kept. */
  curve: { threshold: number[]; precision: (number | null)[]; recall: number[]; f1: number[] };
  /** At the operating point, by COCO object size (small < 32² ≤ medium < 96² ≤ large px). */
  by_size: Record<ObjectSize, SizeCounts & { precision: number | null; recall: number | null }>;
}

export interface FailureReport {
  iou_threshold: number;
  background_iou: number;
  false_positives: FalsePositiveCounts & { total: number };
  /** Missed objects; `nearby`: a wrong-class or poorly localised detection lies on them; `undetected`: none. */
  missed: { total: number; nearby: number; undetected: number };
  /** Detections inside a crowd region of their class: neither right nor wrong. */
  ignored: number;
  /** Rows: object class, then "background"; columns: predicted class, then "missed". */
  confusion: { classes: string[]; counts: number[][] };
}

/** Per class at the operating point, with the threshold that would maximise its F1. */
export interface ClassOperatingPoint {
  operating_point: MatchingScores;
  best_f1: ThresholdRow | null;
  false_positives: FalsePositiveCounts;
  missed: number;
}

export function thresholdRow(sweep: ThresholdSweep, threshold: number): ThresholdRow {
  const { tp, fp, fn } = countsAt(sweep, threshold);
  return { threshold, ...precisionRecallF1(tp, fp, fn) };
}

function bestRow(sweep: ThresholdSweep): ThresholdRow | null {
  const best = bestF1(sweep);
  return best && { threshold: best.threshold, ...precisionRecallF1(best.tp, best.fp, best.fn) };
}

export function buildOperatingPoint(run: EvaluationRun): OperatingPointReport {
  const overall = run.sweep.overall;
  const grid = Array.from({ length: 101 }, (_, i) => thresholdRow(overall, i / 100));
  const sizes = emptySizeCounts();
  for (const outcome of run.images)
    addSizeCounts(sizes, outcome.groundTruth, outcome.matchedResults, outcome.failures);
  return {
    score_threshold: run.scoreThreshold,
    iou_threshold: run.iouThreshold,
    best: bestRow(overall),
    table: Array.from({ length: 19 }, (_, i) => thresholdRow(overall, (i + 1) / 20)),
    curve: {
      threshold: grid.map((row) => row.threshold),
      precision: grid.map((row) => (row.precision === null ? null : roundTo(row.precision, 6))),
      recall: grid.map((row) => roundTo(row.recall ?? 0, 6)),
      f1: grid.map((row) => roundTo(row.f1 ?? 0, 6)),
    },
    by_size: Object.fromEntries(
      OBJECT_SIZES.map((size) => {
        const counts = sizes[size];
        const { precision, recall } = precisionRecallF1(counts.tp, counts.fp, counts.fn);
        return [size, { ...counts, precision, recall }];
      }),
    ) as OperatingPointReport['by_size'],
  };
}

export function buildFailures(run: EvaluationRun, nameOf: (categoryId: number) => string): FailureReport {
  const total: FailureCounts = { falsePositives: emptyFalsePositiveCounts(), missed: 0, missedNearby: 0 };
  let ignored = 0;
  for (const outcome of run.images) {
    addFailureCounts(total, countFailures(outcome.failures, outcome.groundTruth, outcome.matchedResults));
    ignored += outcome.matching.ignored;
  }
  return {
    iou_threshold: run.iouThreshold,
    background_iou: BACKGROUND_IOU,
    false_positives: {
      ...total.falsePositives,
      total: FALSE_POSITIVE_REASONS.reduce((sum, reason) => sum + total.falsePositives[reason], 0),
    },
    missed: {
      total: total.missed,
      nearby: total.missedNearby,
      undetected: total.missed - total.missedNearby,
    },
    ignored,
    confusion: {
      classes: run.confusion.categoryIds.map(nameOf),
      counts: run.confusion.counts.map((row) => [...row]),
    },
  };
}

export function buildClassOperatingPoint(run: EvaluationRun, categoryId: number): ClassOperatingPoint {
  const counts: FailureCounts = { falsePositives: emptyFalsePositiveCounts(), missed: 0, missedNearby: 0 };
  let tp = 0;
  let iouSum = 0;
  for (const outcome of run.images) {
    addFailureCounts(
      counts,
      countFailures(outcome.failures, outcome.groundTruth, outcome.matchedResults, categoryId),
    );
    for (const [d, detection] of outcome.failures.detections.entries()) {
      if (detection.verdict !== 'tp' || outcome.matchedResults[d]!.categoryId !== categoryId) continue;
      tp++;
      iouSum += detection.iou;
    }
  }
  const fp = FALSE_POSITIVE_REASONS.reduce((sum, reason) => sum + counts.falsePositives[reason], 0);
  const sweep = run.sweep.perClass.get(categoryId);
  return {
    operating_point: scoreMatching(tp, fp, counts.missed, iouSum),
    best_f1: sweep ? bestRow(sweep) : null,
    false_positives: counts.falsePositives,
    missed: counts.missed,
  };
}
