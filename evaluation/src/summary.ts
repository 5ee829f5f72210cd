import path from 'node:path';
import type { Comparison } from './compare/compare-reports.js';
import { COMPARISON_FILES } from './compare/write-comparison.js';
import { FALSE_POSITIVE_REASONS } from './metrics/failure-analysis.js';
import { REASON_NAMES } from './report/box-styles.js';
import type { Report } from './report/report.js';

const show = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined || value < 0 ? 'n/a' : value.toFixed(digits);

/** What `pnpm eval` prints after an evaluation or a re-scoring. */
export function reportSummary(report: Report, outDir: string): string {
  const { coco, matching: m, latency_ms: latency, dataset, endpoint, operating_point: op, failures } = report;
  const context = report.latency_context;
  const source = endpoint
    ? `Evaluated ${endpoint.model}${endpoint.model_version ? ` (version ${endpoint.model_version})` : ''} via the ${endpoint.kind.replace('-', ' ')} at ${endpoint.url}`
    : `Re-scored ${report.detections_file}`;
  const reasons = FALSE_POSITIVE_REASONS.map(
    (reason) => `${REASON_NAMES[reason]} ${failures.false_positives[reason]}`,
  ).join(', ');
  return [
    `${source} on ${dataset.images} images (${dataset.format}: ${dataset.annotations} objects, ${dataset.crowd_regions} crowd regions) in ${report.duration_s} s`,
    `  COCO mAP@[.50:.95] ${show(coco.AP)}   AP50 ${show(coco.AP50)}   AP75 ${show(coco.AP75)}   small/medium/large ${show(coco.APs)}/${show(coco.APm)}/${show(coco.APl)}   AR@100 ${show(coco.AR100)}`,
    `  At score >= ${m.score_threshold}, IoU >= ${m.iou_threshold}: precision ${show(m.precision)}  recall ${show(m.recall)}  F1 ${show(m.f1)}  mean IoU ${show(m.mean_iou)}  (TP ${m.tp}, FP ${m.fp}, FN ${m.fn})`,
    op.best
      ? `  Best F1 ${show(op.best.f1)} at score >= ${op.best.threshold} (precision ${show(op.best.precision)}, recall ${show(op.best.recall)})`
      : '  Best F1: no threshold finds any object',
    `  False positives: ${failures.false_positives.total} (${reasons}); missed ${failures.missed.total} (${failures.missed.nearby} with a wrong-class or poorly localised detection on them)`,
    latency
      ? `  Latency per image: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms (mean ${latency.mean.toFixed(1)} ms, ${latency.count} requests, one at a time${
          context
            ? `; ${context.cpu_model} x ${context.cpu_count}, load ${context.load_average_start[0].toFixed(2)} -> ${context.load_average_end[0].toFixed(2)}`
            : ''
        })`
      : `  Latency per image: not measured (${report.detections_file ? 'detections read from a file' : 'no request succeeded'})`,
    ...(Object.keys(report.unmatched_labels).length > 0
      ? [
          `  Left out: model labels that are not dataset classes: ${Object.keys(report.unmatched_labels).join(', ')}`,
        ]
      : []),
    `  Report: ${path.join(outDir, report.files.html)} (also report.json, detections.json, ground-truth.json, images/)`,
  ].join('\n');
}

const signed = (value: number | null, digits: number) =>
  value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

/** What `pnpm eval --compare` prints. */
export function comparisonSummary(comparison: Comparison, outDir: string): string {
  const figure = (key: string) => comparison.summary.find((f) => f.key === key)!;
  const line = (key: string, digits = 3) => {
    const f = figure(key);
    return `${f.label} ${show(f.a, digits)} -> ${show(f.b, digits)} (${signed(f.delta, digits)})`;
  };
  const changed = comparison.images.filter((image) => image.change > 0);
  return [
    `Compared B (${comparison.b.source}) with A (${comparison.a.source}) on ${comparison.dataset.images} images of ${comparison.dataset.path}`,
    `  ${line('coco.AP')}   ${line('coco.AP50')}   ${line('matching.f1')}`,
    `  ${line('matching.fp', 0)}   ${line('matching.fn', 0)}   ${line('latency_ms.p50', 1)}`,
    `  ${changed.length} image(s) changed${changed[0] ? `, most: ${changed[0].file_name} (change ${changed[0].change})` : ''}`,
    ...comparison.notes.map((note) => `  Note: ${note}`),
    `  Comparison: ${path.join(outDir, COMPARISON_FILES.html)} (also ${COMPARISON_FILES.json})`,
  ].join('\n');
}
