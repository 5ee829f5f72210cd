import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from '../dataset/dataset.js';
import type { EvaluationRun } from '../run-evaluation.js';
import { type DrawnBox, writeAnnotatedImage } from './annotate-image.js';
import { renderHtmlReport } from './html-report.js';
import { OUTPUT_FILES, type Report } from './report.js';

/** The ground truth as a COCO instances file, so that detections.json can be re-scored by any COCO tool. */
function groundTruthJson(dataset: Dataset) {
  return {
    info: { description: `ground truth of ${dataset.root} (${dataset.format} format)` },
    images: dataset.images.map((image) => ({
      id: image.id,
      file_name: image.fileName,
      width: image.width,
      height: image.height,
    })),
    annotations: dataset.annotations.map((annotation) => ({
      id: annotation.id,
      image_id: annotation.imageId,
      category_id: annotation.categoryId,
      bbox: annotation.bbox,
      area: annotation.area,
      iscrowd: annotation.iscrowd ? 1 : 0,
    })),
    categories: dataset.categories.map((category) => ({ id: category.id, name: category.name })),
  };
}

/** Writes report.json, report.html, detections.json (COCO results), ground-truth.json and the annotated images. */
export async function writeOutputs(
  outDir: string,
  run: EvaluationRun,
  report: Report,
  options: { annotatedImages: boolean },
): Promise<void> {
  await mkdir(path.join(outDir, OUTPUT_FILES.images), { recursive: true });
  const detections = run.results.map((result) => ({
    image_id: result.imageId,
    category_id: result.categoryId,
    bbox: result.bbox,
    score: result.score,
  }));
  await writeFile(path.join(outDir, OUTPUT_FILES.detections), `${JSON.stringify(detections)}\n`);
  await writeFile(
    path.join(outDir, OUTPUT_FILES.ground_truth),
    `${JSON.stringify(groundTruthJson(run.dataset))}\n`,
  );
  await writeFile(path.join(outDir, OUTPUT_FILES.report), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(outDir, OUTPUT_FILES.html), renderHtmlReport(report));
  if (!options.annotatedImages) return;

  const nameOf = new Map(run.dataset.categories.map((category) => [category.id, category.name]));
  for (const [index, outcome] of run.images.entries()) {
    const boxes: DrawnBox[] = [
      ...outcome.groundTruth.map((annotation) => ({
        bbox: annotation.bbox,
        caption: nameOf.get(annotation.categoryId) ?? String(annotation.categoryId),
        kind: annotation.iscrowd ? ('crowd' as const) : ('ground-truth' as const),
      })),
      ...outcome.matchedResults.map((result) => ({
        bbox: result.bbox,
        caption: `${nameOf.get(result.categoryId) ?? result.categoryId} ${result.score.toFixed(2)}`,
        kind: 'prediction' as const,
      })),
    ];
    await writeAnnotatedImage(outcome.image.path, path.join(outDir, report.images[index]!.annotated), boxes);
  }
}
