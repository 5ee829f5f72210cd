import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from '../dataset/dataset.js';
import type { EvaluationRun, ImageOutcome } from '../score-run.js';
import { type DrawnBox, writeAnnotatedImage } from './annotate-image.js';
import { REASON_NAMES } from './box-styles.js';
import { renderHtmlReport } from './html/report-page.js';
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
  await writeFile(
    path.join(outDir, OUTPUT_FILES.html),
    renderHtmlReport(report, { annotatedImages: options.annotatedImages }),
  );
  if (!options.annotatedImages) return;

  const names = new Map(run.dataset.categories.map((category) => [category.id, category.name]));
  const nameOf = (categoryId: number) => names.get(categoryId) ?? String(categoryId);
  for (const [index, outcome] of run.images.entries()) {
    await writeAnnotatedImage(
      outcome.image.path,
      path.join(outDir, report.images[index]!.annotated),
      failureBoxes(outcome, nameOf),
    );
  }
}

/**
 * The boxes of one image's failure analysis: crowd regions and missed objects first, then ignored detections,
 * false positives with their reason, and true positives on top.
 */
export function failureBoxes(outcome: ImageOutcome, nameOf: (categoryId: number) => string): DrawnBox[] {
  const { groundTruth, matchedResults, failures } = outcome;
  const objects = failures.groundTruth.flatMap((verdict, g): DrawnBox[] => {
    const object = groundTruth[g]!;
    if (verdict.verdict === 'crowd')
      return [{ bbox: object.bbox, caption: `crowd: ${nameOf(object.categoryId)}`, kind: 'crowd' }];
    if (verdict.verdict === 'missed')
      return [{ bbox: object.bbox, caption: `missed: ${nameOf(object.categoryId)}`, kind: 'missed' }];
    return [];
  });
  const detections = failures.detections.map((verdict, d): DrawnBox => {
    const result = matchedResults[d]!;
    const caption = `${nameOf(result.categoryId)} ${result.score.toFixed(2)}`;
    if (verdict.verdict === 'tp') return { bbox: result.bbox, caption, kind: 'tp' };
    if (verdict.verdict === 'ignored')
      return { bbox: result.bbox, caption: `${caption} · in crowd`, kind: 'ignored' };
    const target = verdict.groundTruth === null ? null : groundTruth[verdict.groundTruth]!;
    const detail =
      verdict.reason === 'localisation'
        ? ` (IoU ${verdict.iou.toFixed(2)})`
        : (verdict.reason === 'wrong_class' || verdict.reason === 'class_and_localisation') && target
          ? ` (is ${nameOf(target.categoryId)})`
          : '';
    return {
      bbox: result.bbox,
      caption: `${caption} · ${REASON_NAMES[verdict.reason]}${detail}`,
      kind: `fp-${verdict.reason}`,
    };
  });
  const rank = (box: DrawnBox) => (box.kind === 'tp' ? 2 : box.kind === 'ignored' ? 0 : 1);
  return [...objects, ...detections.sort((a, b) => rank(a) - rank(b))];
}
