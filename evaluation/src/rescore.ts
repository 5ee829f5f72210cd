import type { Dataset } from './dataset/dataset.js';
import type { CocoResult } from './metrics/coco-eval.js';
import { type EvaluationRun, scoreRun } from './score-run.js';

/** Scores saved detections (a COCO results file already checked against the dataset): nothing is timed. */
export function rescoreResults(options: {
  dataset: Dataset;
  results: CocoResult[];
  scoreThreshold: number;
  iouThreshold: number;
}): EvaluationRun {
  const byImage = new Map<number, CocoResult[]>();
  for (const result of options.results) {
    const list = byImage.get(result.imageId) ?? [];
    list.push(result);
    byImage.set(result.imageId, list);
  }
  return scoreRun({
    dataset: options.dataset,
    images: options.dataset.images.map((image) => ({
      image,
      results: byImage.get(image.id) ?? [],
      latencyMs: null,
      error: null,
    })),
    results: options.results,
    scoreThreshold: options.scoreThreshold,
    iouThreshold: options.iouThreshold,
  });
}
