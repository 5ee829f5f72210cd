import path from 'node:path';
import { datasetFingerprint } from '../dataset/fingerprint.js';
import type { DetectorEndpoint } from '../detector/detector.js';
import type { MachineSnapshot } from '../machine-load.js';
import {
  AREA_RANGES,
  averagePrecision,
  type CocoAccumulation,
  type CocoSummary,
  IOU_THRESHOLDS,
  RECALL_THRESHOLDS,
} from '../metrics/coco-eval.js';
import { countFailures, type FalsePositiveCounts } from '../metrics/failure-analysis.js';
import { type MatchingScores, scoreMatching } from '../metrics/matching.js';
import { percentile } from '../metrics/percentile.js';
import { roundTo } from '../metrics/round.js';
import type { EvaluationRun } from '../score-run.js';
import {
  buildClassOperatingPoint,
  buildFailures,
  buildOperatingPoint,
  type ClassOperatingPoint,
  type FailureReport,
  type OperatingPointReport,
} from './analysis-report.js';

/** A class with fewer objects than this is flagged: its AP rests on too few objects to compare. */
export const LOW_SUPPORT_OBJECTS = 5;

export interface ClassReport extends ClassOperatingPoint {
  category_id: number;
  name: string;
  ground_truth: number;
  /** Fewer than LOW_SUPPORT_OBJECTS objects. */
  low_support: boolean;
  /** All detections of this class down to the minimum score, as AP sees them. */
  detections: number;
  /** COCO AP@[.50:.95], AP50, AP75 of this class; -1 when it has no ground truth. */
  ap: number;
  ap50: number;
  ap75: number;
}

export interface ImageReport extends MatchingScores {
  image_id: number;
  file_name: string;
  width: number;
  height: number;
  ground_truth: number;
  /** Detections at or above the operating score threshold (tp + fp + ignored). */
  detections: number;
  ignored: number;
  /** False positives at the operating point by reason. */
  false_positives: FalsePositiveCounts;
  latency_ms: number | null;
  error: string | null;
  annotated: string;
}

/** What the latency figures were measured on and against. */
export interface LatencyContext {
  endpoint_kind: DetectorEndpoint['kind'];
  endpoint_url: string;
  /** Requests in flight at a time. */
  concurrency: 1;
  /** The machine pnpm eval ran on (the endpoint's too when it is on loopback). */
  cpu_model: string;
  cpu_count: number;
  /** 1, 5 and 15 minute load averages before the first request and after the last. */
  load_average_start: [number, number, number];
  load_average_end: [number, number, number];
}

/** Precision at the 101 recall points (COCO's interpolated curve), all areas, 100 detections per image. */
export type PrecisionCurve = number[];

export interface Report {
  tool: 'detection-evaluation';
  created_at: string;
  duration_s: number;
  dataset: {
    path: string;
    format: string;
    images: number;
    annotations: number;
    crowd_regions: number;
    categories: number;
    categories_with_ground_truth: number;
    /** Hash of the ground truth (images, objects, categories): reports with equal fingerprints can be compared. */
    fingerprint: string;
  };
  /** What produced the detections: a served model (null when re-scoring a file) … */
  endpoint: (DetectorEndpoint & { model_version: string | null }) | null;
  /** … or a COCO results file (null when a model was run). */
  detections_file: string | null;
  /** `min_score` is null when re-scoring a file. */
  parameters: { min_score: number | null; score_threshold: number; iou_threshold: number };
  /** `per_class`: classes with objects or detections, most objects first. */
  coco: CocoSummary & { stats: number[]; per_class: ClassReport[] };
  matching: MatchingScores & { score_threshold: number; iou_threshold: number; ignored: number };
  operating_point: OperatingPointReport;
  failures: FailureReport;
  /** Null when nothing was timed (a results file was re-scored, or every request failed). */
  latency_ms: { p50: number; p95: number; mean: number; min: number; max: number; count: number } | null;
  latency_context: LatencyContext | null;
  failed_images: number;
  unmatched_labels: Record<string, number>;
  pr_curves: {
    recall: number[];
    /** Mean over the classes that have ground truth, at IoU 0.50, 0.75 and averaged over 0.50:0.95. */
    overall: Record<'0.50' | '0.75' | '0.50:0.95', PrecisionCurve>;
    per_class: Record<string, Record<'0.50' | '0.50:0.95', PrecisionCurve>>;
  };
  images: ImageReport[];
  files: { report: string; html: string; detections: string; ground_truth: string; images: string };
}

export const OUTPUT_FILES: Report['files'] = {
  report: 'report.json',
  html: 'report.html',
  detections: 'detections.json',
  ground_truth: 'ground-truth.json',
  images: 'images',
};

export const annotatedFileName = (fileName: string) =>
  `${OUTPUT_FILES.images}/${path.basename(fileName).replace(/\.[^.]+$/, '')}.jpg`;

function meanCurve(acc: CocoAccumulation, thresholds: number[], categories: number[]): PrecisionCurve {
  const all = AREA_RANGES.findIndex((range) => range.label === 'all');
  return RECALL_THRESHOLDS.map((_, r) => {
    let sum = 0;
    let count = 0;
    for (const t of thresholds) {
      for (const k of categories) {
        const value = acc.precisionAt(t, r, k, all, 2);
        if (value > -1) {
          sum += value;
          count++;
        }
      }
    }
    return count === 0 ? 0 : roundTo(sum / count, 6);
  });
}

function latencyContext(
  endpoint: DetectorEndpoint,
  machine: { start: MachineSnapshot; end: MachineSnapshot },
): LatencyContext {
  const load = (snapshot: MachineSnapshot) =>
    snapshot.loadAverage.map((value) => roundTo(value, 2)) as [number, number, number];
  return {
    endpoint_kind: endpoint.kind,
    endpoint_url: endpoint.url,
    concurrency: 1,
    cpu_model: machine.start.cpuModel,
    cpu_count: machine.start.cpuCount,
    load_average_start: load(machine.start),
    load_average_end: load(machine.end),
  };
}

/** What produced the detections: a served model asked down to `minScore`, or a results file. */
export type DetectionsSource =
  | { endpoint: DetectorEndpoint; minScore: number; detectionsFile?: undefined }
  | { endpoint?: undefined; minScore?: undefined; detectionsFile: string };

export type ReportContext = { datasetPath: string; startedAt: Date; durationMs: number } & DetectionsSource;

export function buildReport(run: EvaluationRun, context: ReportContext): Report {
  const { dataset, coco } = run;
  const acc = coco.accumulation;
  const allThresholds = IOU_THRESHOLDS.map((_, t) => t);
  const t50 = IOU_THRESHOLDS.indexOf(0.5);
  const t75 = IOU_THRESHOLDS.indexOf(0.75);

  const groundTruthCount = new Map<number, number>();
  for (const annotation of dataset.annotations) {
    if (!annotation.iscrowd)
      groundTruthCount.set(annotation.categoryId, (groundTruthCount.get(annotation.categoryId) ?? 0) + 1);
  }
  const detectionCount = new Map<number, number>();
  for (const result of run.results)
    detectionCount.set(result.categoryId, (detectionCount.get(result.categoryId) ?? 0) + 1);
  const names = new Map(dataset.categories.map((category) => [category.id, category.name]));
  const nameOf = (categoryId: number) => names.get(categoryId) ?? String(categoryId);

  const perClass: ClassReport[] = acc.categoryIds
    .map((categoryId, k) => ({
      category_id: categoryId,
      name: nameOf(categoryId),
      ground_truth: groundTruthCount.get(categoryId) ?? 0,
      low_support: (groundTruthCount.get(categoryId) ?? 0) < LOW_SUPPORT_OBJECTS,
      detections: detectionCount.get(categoryId) ?? 0,
      ap: averagePrecision(acc, { categoryIndex: k }),
      ap50: averagePrecision(acc, { categoryIndex: k, iouThreshold: 0.5 }),
      ap75: averagePrecision(acc, { categoryIndex: k, iouThreshold: 0.75 }),
    }))
    .filter((row) => row.ground_truth > 0 || row.detections > 0)
    .sort((a, b) => b.ground_truth - a.ground_truth || a.name.localeCompare(b.name))
    .map((row) => ({ ...row, ...buildClassOperatingPoint(run, row.category_id) }));
  const scoredClasses = acc.categoryIds
    .map((_, k) => k)
    .filter((k) => (groundTruthCount.get(acc.categoryIds[k]!) ?? 0) > 0);

  let tp = 0;
  let fp = 0;
  let fn = 0;
  let ignored = 0;
  let iouSum = 0;
  const images: ImageReport[] = run.images.map((outcome) => {
    const m = outcome.matching;
    const imageIouSum = m.pairs.reduce((sum, pair) => sum + pair.iou, 0);
    tp += m.truePositives;
    fp += m.falsePositives;
    fn += m.falseNegatives;
    ignored += m.ignored;
    iouSum += imageIouSum;
    return {
      image_id: outcome.image.id,
      file_name: outcome.image.fileName,
      width: outcome.image.width,
      height: outcome.image.height,
      ground_truth: outcome.groundTruth.filter((a) => !a.iscrowd).length,
      detections: outcome.matchedResults.length,
      ignored: m.ignored,
      ...scoreMatching(m.truePositives, m.falsePositives, m.falseNegatives, imageIouSum),
      false_positives: countFailures(outcome.failures, outcome.groundTruth, outcome.matchedResults)
        .falsePositives,
      latency_ms: outcome.latencyMs === null ? null : roundTo(outcome.latencyMs, 2),
      error: outcome.error,
      annotated: annotatedFileName(outcome.image.fileName),
    };
  });
  const latencies = run.images.flatMap((outcome) => (outcome.latencyMs === null ? [] : [outcome.latencyMs]));

  return {
    tool: 'detection-evaluation',
    created_at: context.startedAt.toISOString(),
    duration_s: roundTo(context.durationMs / 1000, 2),
    dataset: {
      path: context.datasetPath,
      format: dataset.format,
      images: dataset.images.length,
      annotations: dataset.annotations.filter((a) => !a.iscrowd).length,
      crowd_regions: dataset.annotations.filter((a) => a.iscrowd).length,
      categories: dataset.categories.length,
      categories_with_ground_truth: scoredClasses.length,
      fingerprint: datasetFingerprint(dataset),
    },
    endpoint: context.endpoint ? { ...context.endpoint, model_version: run.modelVersion } : null,
    detections_file: context.detectionsFile ?? null,
    parameters: {
      min_score: context.minScore ?? null,
      score_threshold: run.scoreThreshold,
      iou_threshold: run.iouThreshold,
    },
    coco: { ...coco.summary, stats: coco.stats, per_class: perClass },
    matching: {
      ...scoreMatching(tp, fp, fn, iouSum),
      score_threshold: run.scoreThreshold,
      iou_threshold: run.iouThreshold,
      ignored,
    },
    operating_point: buildOperatingPoint(run),
    failures: buildFailures(run, nameOf),
    latency_ms:
      latencies.length === 0
        ? null
        : {
            p50: roundTo(percentile(latencies, 50), 2),
            p95: roundTo(percentile(latencies, 95), 2),
            mean: roundTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 2),
            min: roundTo(Math.min(...latencies), 2),
            max: roundTo(Math.max(...latencies), 2),
            count: latencies.length,
          },
    latency_context:
      context.endpoint && run.machine && latencies.length > 0
        ? latencyContext(context.endpoint, run.machine)
        : null,
    failed_images: run.images.filter((outcome) => outcome.error !== null).length,
    unmatched_labels: run.unmatchedLabels,
    pr_curves: {
      recall: RECALL_THRESHOLDS.map((r) => roundTo(r, 2)),
      overall: {
        '0.50': meanCurve(acc, [t50], scoredClasses),
        '0.75': meanCurve(acc, [t75], scoredClasses),
        '0.50:0.95': meanCurve(acc, allThresholds, scoredClasses),
      },
      per_class: Object.fromEntries(
        scoredClasses.map((k) => [
          nameOf(acc.categoryIds[k]!),
          { '0.50': meanCurve(acc, [t50], [k]), '0.50:0.95': meanCurve(acc, allThresholds, [k]) },
        ]),
      ),
    },
    images,
    files: OUTPUT_FILES,
  };
}
