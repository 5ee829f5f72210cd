import { readFile } from 'node:fs/promises';
import type { CocoBox, Dataset, DatasetImage, GroundTruthAnnotation } from './dataset/dataset.js';
import type { Detector } from './detector/detector.js';
import { type CocoEvaluation, type CocoResult, evaluateCoco } from './metrics/coco-eval.js';
import { type ImageMatching, matchImage } from './metrics/matching.js';

export interface ImageOutcome {
  image: DatasetImage;
  /** This image's ground truth, crowd regions included. */
  groundTruth: GroundTruthAnnotation[];
  /** This image's detections in COCO results form (those whose label is a dataset category). */
  results: CocoResult[];
  latencyMs: number | null;
  error: string | null;
  /** Matching of the results at or above the operating score threshold. */
  matching: ImageMatching;
  /** The results the matching saw, index-aligned with `matching.verdicts`. */
  matchedResults: CocoResult[];
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
}

const normaliseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/**
 * Runs every image of the dataset through the detector one at a time (so latencies are not inflated by queueing),
 * maps the model's labels to the dataset's categories by name, then scores the whole run.
 * Boxes are rounded to 1/1000 px and scores to 6 decimals before scoring, and the scored values are exactly the
 * ones written to detections.json, so any COCO tool re-scoring that file sees the same input.
 */
export async function runEvaluation(options: {
  dataset: Dataset;
  detector: Detector;
  scoreThreshold: number;
  iouThreshold?: number;
  onImageDone?: (done: number, total: number) => void;
}): Promise<EvaluationRun> {
  const { dataset, detector, scoreThreshold } = options;
  const iouThreshold = options.iouThreshold ?? 0.5;
  const categoryByName = new Map(
    dataset.categories.map((category) => [normaliseName(category.name), category.id]),
  );
  const groundTruthByImage = new Map<number, GroundTruthAnnotation[]>();
  for (const annotation of dataset.annotations) {
    const list = groundTruthByImage.get(annotation.imageId) ?? [];
    list.push(annotation);
    groundTruthByImage.set(annotation.imageId, list);
  }
  const unmatchedLabels: Record<string, number> = {};
  const results: CocoResult[] = [];
  const images: ImageOutcome[] = [];
  let modelVersion: string | null = null;

  for (const [index, image] of dataset.images.entries()) {
    const bytes = await readFile(image.path);
    const started = performance.now();
    const imageResults: CocoResult[] = [];
    let latencyMs: number | null = null;
    let error: string | null = null;
    try {
      const response = await detector.detect(bytes, image.fileName);
      latencyMs = performance.now() - started;
      modelVersion ??= response.modelVersion;
      for (const detection of response.detections) {
        const categoryId = categoryByName.get(normaliseName(detection.label));
        if (categoryId === undefined) {
          unmatchedLabels[detection.label] = (unmatchedLabels[detection.label] ?? 0) + 1;
          continue;
        }
        const [x1, y1, x2, y2] = detection.box;
        const bbox: CocoBox = [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)];
        const id = results.length + imageResults.length + 1;
        imageResults.push({ id, imageId: image.id, categoryId, bbox, score: round(detection.score, 6) });
      }
    } catch (caught) {
      error = (caught as Error).message;
    }
    results.push(...imageResults);
    const groundTruth = groundTruthByImage.get(image.id) ?? [];
    const matchedResults = imageResults.filter((result) => result.score >= scoreThreshold);
    const matching = matchImage(groundTruth, matchedResults, iouThreshold);
    images.push({ image, groundTruth, results: imageResults, latencyMs, error, matching, matchedResults });
    options.onImageDone?.(index + 1, dataset.images.length);
  }

  const coco = evaluateCoco({
    imageIds: dataset.images.map((image) => image.id),
    categoryIds: dataset.categories.map((category) => category.id),
    groundTruth: dataset.annotations,
    results,
  });
  return { dataset, images, results, coco, modelVersion, unmatchedLabels, scoreThreshold, iouThreshold };
}
