import { readFile } from 'node:fs/promises';
import type { CocoBox, Dataset } from './dataset/dataset.js';
import type { Detector } from './detector/detector.js';
import { machineSnapshot } from './machine-load.js';
import type { CocoResult } from './metrics/coco-eval.js';
import { roundTo } from './metrics/round.js';
import { type EvaluationRun, type ImageDetections, scoreRun } from './score-run.js';

const normaliseName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

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
  const { dataset, detector } = options;
  const categoryByName = new Map(
    dataset.categories.map((category) => [normaliseName(category.name), category.id]),
  );
  const unmatchedLabels: Record<string, number> = {};
  const images: ImageDetections[] = [];
  let resultCount = 0;
  let modelVersion: string | null = null;

  const start = machineSnapshot();
  for (const [index, image] of dataset.images.entries()) {
    const bytes = await readFile(image.path);
    const started = performance.now();
    const results: CocoResult[] = [];
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
        const bbox: CocoBox = [roundTo(x1, 3), roundTo(y1, 3), roundTo(x2 - x1, 3), roundTo(y2 - y1, 3)];
        const id = resultCount + results.length + 1;
        results.push({ id, imageId: image.id, categoryId, bbox, score: roundTo(detection.score, 6) });
      }
    } catch (caught) {
      error = (caught as Error).message;
    }
    resultCount += results.length;
    images.push({ image, results, latencyMs, error });
    options.onImageDone?.(index + 1, dataset.images.length);
  }
  const end = machineSnapshot();

  return scoreRun({
    dataset,
    images,
    scoreThreshold: options.scoreThreshold,
    iouThreshold: options.iouThreshold ?? 0.5,
    modelVersion,
    unmatchedLabels,
    machine: { start, end },
  });
}
