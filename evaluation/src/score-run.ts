import type { Dataset, DatasetImage, GroundTruthAnnotation } from './dataset/dataset.js';
import type { MachineSnapshot } from './machine-load.js';
import { type CocoEvaluation, type CocoResult, evaluateCoco } from './metrics/coco-eval.js';
import {
  addToConfusionMatrix,
  type ConfusionMatrix,
  emptyConfusionMatrix,
} from './metrics/confusion-matrix.js';
import { analyseFailures, type ImageFailures } from './metrics/failure-analysis.js';
import { type ImageMatching, matchImage } from './metrics/matching.js';
import { sweepThresholds, type ThresholdSweep } from './metrics/threshold-sweep.js';

/** What the detector returned for one image (or what a results file holds for it). */
export interface ImageDetections {
  image: DatasetImage;
  /** This image's detections in COCO results form (those whose label is a dataset category). */
  results: CocoResult[];
  latencyMs: number | null;
  error: string | null;
}

export interface ImageOutcome extends ImageDetections {
  /** This image's ground truth, crowd regions included. */
  groundTruth: GroundTruthAnnotation[];
  /** Matching of the results at or above the operating score threshold. */
  matching: ImageMatching;
  /** The results the matching saw, index-aligned with `matching.verdicts` and `failures.detections`. */
  matchedResults: CocoResult[];
  /** Why each matched result is right or wrong, and which objects were missed. */
  failures: ImageFailures;
}

export interface EvaluationRun {
  dataset: Dataset;
  images: ImageOutcome[];
  /** All results, in the order written to detections.json (ids = 1-based positions). */
  results: CocoResult[];
  coco: CocoEvaluation;
  modelVersion: string | null;
  /** Labels the model returned that are not dataset categories, with how often. */
  unmatchedLabels: Record<string, number>;
  scoreThreshold: number;
  iouThreshold: number;
  /** Counts at every score threshold, overall and per category id. */
  sweep: { overall: ThresholdSweep; perClass: Map<number, ThresholdSweep> };
  /** At the operating point, over the categories with objects or detections there. */
  confusion: ConfusionMatrix;
  /** The machine before the first and after the last request; null when nothing was timed. */
  machine: { start: MachineSnapshot; end: MachineSnapshot } | null;
}

/**
 * Scores detections against the dataset: COCO mAP over all of them, and at the operating point (score and IoU
 * thresholds) the one-to-one matching, the failure analysis and the confusion matrix; plus the counts at every
 * score threshold.
 */
export function scoreRun(input: {
  dataset: Dataset;
  images: ImageDetections[];
  /** Every result, in file order; defaults to the images' results in image order. */
  results?: CocoResult[];
  scoreThreshold: number;
  iouThreshold: number;
  modelVersion?: string | null;
  unmatchedLabels?: Record<string, number>;
  machine?: EvaluationRun['machine'];
}): EvaluationRun {
  const { dataset, scoreThreshold, iouThreshold } = input;
  const groundTruthByImage = new Map<number, GroundTruthAnnotation[]>();
  for (const annotation of dataset.annotations) {
    const list = groundTruthByImage.get(annotation.imageId) ?? [];
    list.push(annotation);
    groundTruthByImage.set(annotation.imageId, list);
  }
  const partial = input.images.map((detections) => {
    const groundTruth = groundTruthByImage.get(detections.image.id) ?? [];
    const matchedResults = detections.results.filter((result) => result.score >= scoreThreshold);
    const matching = matchImage(groundTruth, matchedResults, iouThreshold);
    const failures = analyseFailures(groundTruth, matchedResults, matching, iouThreshold);
    return { ...detections, groundTruth, matchedResults, matching, failures };
  });

  const present = new Set<number>();
  for (const outcome of partial) {
    for (const item of [...outcome.groundTruth.filter((g) => !g.iscrowd), ...outcome.matchedResults])
      present.add(item.categoryId);
  }
  const confusion = emptyConfusionMatrix(
    dataset.categories.map((category) => category.id).filter((id) => present.has(id)),
  );
  for (const outcome of partial)
    addToConfusionMatrix(
      confusion,
      outcome.groundTruth,
      outcome.matchedResults,
      outcome.matching,
      iouThreshold,
    );

  const results = input.results ?? input.images.flatMap((image) => image.results);
  const coco = evaluateCoco({
    imageIds: dataset.images.map((image) => image.id),
    categoryIds: dataset.categories.map((category) => category.id),
    groundTruth: dataset.annotations,
    results,
  });
  const sweep = sweepThresholds(
    partial.map((outcome) => ({ groundTruth: outcome.groundTruth, detections: outcome.results })),
    iouThreshold,
  );
  return {
    dataset,
    images: partial,
    results,
    coco,
    modelVersion: input.modelVersion ?? null,
    unmatchedLabels: input.unmatchedLabels ?? {},
    scoreThreshold,
    iouThreshold,
    sweep,
    confusion,
    machine: input.machine ?? null,
  };
}
