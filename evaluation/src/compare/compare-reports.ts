import { FALSE_POSITIVE_REASONS } from '../metrics/failure-analysis.js';
import { REASON_NAMES } from '../report/box-styles.js';
import { LOW_SUPPORT_OBJECTS } from '../report/report.js';
import { type ComparedReport, ComparisonError, type ReportFile } from './read-report.js';

/** Which way is better for a figure; `none` for figures that are settings rather than results. */
export type Better = 'higher' | 'lower' | 'none';

export interface FigureComparison {
  key: string;
  label: string;
  better: Better;
  a: number | null;
  b: number | null;
  /** b − a; null when either is undefined. */
  delta: number | null;
}

export interface PairedFigure {
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface ClassComparison {
  name: string;
  objects: number;
  low_support: boolean;
  ap: PairedFigure;
  ap50: PairedFigure;
  ap75: PairedFigure;
  f1: PairedFigure;
}

export interface ImageCounts {
  tp: number;
  fp: number;
  fn: number;
  f1: number | null;
}

export interface ImageComparison {
  image_id: number;
  file_name: string;
  objects: number;
  a: ImageCounts;
  b: ImageCounts;
  /** |ΔFP| + |ΔFN|: how many errors appeared or disappeared (B against A, each at its own operating point). */
  change: number;
  /** (FP + FN) of B − (FP + FN) of A: below 0, B makes fewer errors on this image. */
  delta_errors: number;
  delta_f1: number | null;
  annotated_a: string;
  annotated_b: string;
}

export interface RunSummary {
  report: string;
  created_at: string;
  source: string;
  score_threshold: number;
  iou_threshold: number;
  min_score: number | null;
}

export interface Comparison {
  tool: 'detection-evaluation-comparison';
  created_at: string;
  dataset: { path: string; format: string; images: number; annotations: number; fingerprint: string | null };
  a: RunSummary;
  b: RunSummary;
  /** Differences in how the two were run that affect the comparison. */
  notes: string[];
  summary: FigureComparison[];
  /** Classes of either report, most objects first. */
  per_class: ClassComparison[];
  /** Every image, the most changed first (change, then |ΔF1|, then name). */
  images: ImageComparison[];
}

const valid = (value: number | null | undefined) =>
  value === null || value === undefined || value < 0 ? null : value;

export function pair(a: number | null | undefined, b: number | null | undefined): PairedFigure {
  const [x, y] = [valid(a), valid(b)];
  return { a: x, b: y, delta: x === null || y === null ? null : y - x };
}

export function describeSource(report: ComparedReport): string {
  if (report.endpoint)
    return `${report.endpoint.model}${report.endpoint.model_version ? ` v${report.endpoint.model_version}` : ''} via the ${report.endpoint.kind.replace('-', ' ')} at ${report.endpoint.url}`;
  return `detections from ${report.detections_file ?? '(unknown file)'}`;
}

const FIGURES: {
  key: string;
  label: string;
  better: Better;
  get: (r: ComparedReport) => number | null | undefined;
}[] = [
  { key: 'coco.AP', label: 'mAP@[.50:.95]', better: 'higher', get: (r) => r.coco.AP },
  { key: 'coco.AP50', label: 'AP50', better: 'higher', get: (r) => r.coco.AP50 },
  { key: 'coco.AP75', label: 'AP75', better: 'higher', get: (r) => r.coco.AP75 },
  { key: 'coco.APs', label: 'AP small', better: 'higher', get: (r) => r.coco.APs },
  { key: 'coco.APm', label: 'AP medium', better: 'higher', get: (r) => r.coco.APm },
  { key: 'coco.APl', label: 'AP large', better: 'higher', get: (r) => r.coco.APl },
  { key: 'coco.AR1', label: 'AR@1', better: 'higher', get: (r) => r.coco.AR1 },
  { key: 'coco.AR10', label: 'AR@10', better: 'higher', get: (r) => r.coco.AR10 },
  { key: 'coco.AR100', label: 'AR@100', better: 'higher', get: (r) => r.coco.AR100 },
  { key: 'coco.ARs', label: 'AR small', better: 'higher', get: (r) => r.coco.ARs },
  { key: 'coco.ARm', label: 'AR medium', better: 'higher', get: (r) => r.coco.ARm },
  { key: 'coco.ARl', label: 'AR large', better: 'higher', get: (r) => r.coco.ARl },
  {
    key: 'matching.precision',
    label: 'Precision (operating point)',
    better: 'higher',
    get: (r) => r.matching.precision,
  },
  {
    key: 'matching.recall',
    label: 'Recall (operating point)',
    better: 'higher',
    get: (r) => r.matching.recall,
  },
  { key: 'matching.f1', label: 'F1 (operating point)', better: 'higher', get: (r) => r.matching.f1 },
  {
    key: 'matching.mean_iou',
    label: 'Mean IoU of matches',
    better: 'higher',
    get: (r) => r.matching.mean_iou,
  },
  { key: 'matching.tp', label: 'True positives', better: 'higher', get: (r) => r.matching.tp },
  { key: 'matching.fp', label: 'False positives', better: 'lower', get: (r) => r.matching.fp },
  { key: 'matching.fn', label: 'Missed objects', better: 'lower', get: (r) => r.matching.fn },
  ...FALSE_POSITIVE_REASONS.map((reason) => ({
    key: `failures.false_positives.${reason}`,
    label: `False positives: ${REASON_NAMES[reason]}`,
    better: 'lower' as const,
    get: (r: ComparedReport) => r.failures?.false_positives[reason],
  })),
  {
    key: 'operating_point.best.f1',
    label: 'Best F1',
    better: 'higher',
    get: (r) => r.operating_point?.best?.f1,
  },
  {
    key: 'operating_point.best.threshold',
    label: 'Best-F1 score threshold',
    better: 'none',
    get: (r) => r.operating_point?.best?.threshold,
  },
  { key: 'latency_ms.p50', label: 'Latency p50 (ms)', better: 'lower', get: (r) => r.latency_ms?.p50 },
  { key: 'latency_ms.p95', label: 'Latency p95 (ms)', better: 'lower', get: (r) => r.latency_ms?.p95 },
  { key: 'latency_ms.mean', label: 'Latency mean (ms)', better: 'lower', get: (r) => r.latency_ms?.mean },
];

/** Why the two reports are not on the same ground truth, or null when they are. */
function datasetMismatch(a: ComparedReport, b: ComparedReport): string | null {
  const describe = (r: ComparedReport) =>
    `${r.dataset.path} (${r.dataset.format}, ${r.dataset.images} images, ${r.dataset.annotations} objects${r.dataset.fingerprint ? `, ${r.dataset.fingerprint.slice(0, 19)}…` : ''})`;
  const differ = `A was evaluated on ${describe(a)} and B on ${describe(b)}`;
  if (a.dataset.fingerprint && b.dataset.fingerprint) {
    return a.dataset.fingerprint === b.dataset.fingerprint
      ? null
      : `${differ}: the ground truth differs, so the runs are not comparable`;
  }
  // Reports written before fingerprints: the images and their object counts must agree.
  const key = (r: ComparedReport) =>
    JSON.stringify(r.images.map((image) => [image.image_id, image.file_name, image.ground_truth]));
  return key(a) === key(b) && a.dataset.annotations === b.dataset.annotations
    ? null
    : `${differ}: their images or objects differ, so the runs are not comparable`;
}

function runSummary(file: ReportFile): RunSummary {
  const { report } = file;
  return {
    report: file.file,
    created_at: report.created_at,
    source: describeSource(report),
    score_threshold: report.parameters.score_threshold,
    iou_threshold: report.parameters.iou_threshold,
    min_score: report.parameters.min_score,
  };
}

/**
 * Compares run B against run A on the same dataset: every summary figure, per-class AP and F1, and every image's
 * counts, with differences taken as B − A. Refuses reports on different ground truth.
 */
export function compareReports(a: ReportFile, b: ReportFile, now: Date): Comparison {
  const mismatch = datasetMismatch(a.report, b.report);
  if (mismatch) throw new ComparisonError(mismatch);
  const [ra, rb] = [a.report, b.report];

  const notes: string[] = [];
  if (
    ra.parameters.score_threshold !== rb.parameters.score_threshold ||
    ra.parameters.iou_threshold !== rb.parameters.iou_threshold
  )
    notes.push(
      `The operating points differ (A: score ≥ ${ra.parameters.score_threshold}, IoU ≥ ${ra.parameters.iou_threshold}; B: score ≥ ${rb.parameters.score_threshold}, IoU ≥ ${rb.parameters.iou_threshold}): precision, recall, F1 and the per-image counts compare different settings. The COCO figures do not depend on them.`,
    );
  if (
    ra.parameters.min_score !== null &&
    rb.parameters.min_score !== null &&
    ra.parameters.min_score !== rb.parameters.min_score
  )
    notes.push(
      `The lowest requested score differs (A: ${ra.parameters.min_score}, B: ${rb.parameters.min_score}), which can move the COCO figures.`,
    );
  if (!ra.latency_ms || !rb.latency_ms)
    notes.push('Latency was measured in only one run or in neither, so it is not compared.');

  const classesA = new Map(ra.coco.per_class.map((row) => [row.name, row]));
  const classesB = new Map(rb.coco.per_class.map((row) => [row.name, row]));
  const perClass = [...new Set([...classesA.keys(), ...classesB.keys()])]
    .map((name): ClassComparison => {
      const [x, y] = [classesA.get(name), classesB.get(name)];
      const objects = x?.ground_truth ?? y?.ground_truth ?? 0;
      return {
        name,
        objects,
        low_support: x?.low_support ?? y?.low_support ?? objects < LOW_SUPPORT_OBJECTS,
        ap: pair(x?.ap, y?.ap),
        ap50: pair(x?.ap50, y?.ap50),
        ap75: pair(x?.ap75, y?.ap75),
        f1: pair(x?.operating_point?.f1, y?.operating_point?.f1),
      };
    })
    .sort((p, q) => q.objects - p.objects || p.name.localeCompare(q.name));

  const imagesB = new Map(rb.images.map((image) => [image.image_id, image]));
  const counts = (image: ComparedReport['images'][number]): ImageCounts => ({
    tp: image.tp,
    fp: image.fp,
    fn: image.fn,
    f1: image.f1,
  });
  const images = ra.images
    .map((x): ImageComparison => {
      const y = imagesB.get(x.image_id)!;
      const deltaF1 = pair(x.f1, y.f1).delta;
      return {
        image_id: x.image_id,
        file_name: x.file_name,
        objects: x.ground_truth,
        a: counts(x),
        b: counts(y),
        change: Math.abs(y.fp - x.fp) + Math.abs(y.fn - x.fn),
        delta_errors: y.fp + y.fn - (x.fp + x.fn),
        delta_f1: deltaF1,
        annotated_a: x.annotated,
        annotated_b: y.annotated,
      };
    })
    .sort(
      (p, q) =>
        q.change - p.change ||
        Math.abs(q.delta_f1 ?? 0) - Math.abs(p.delta_f1 ?? 0) ||
        p.file_name.localeCompare(q.file_name),
    );

  return {
    tool: 'detection-evaluation-comparison',
    created_at: now.toISOString(),
    dataset: {
      path: ra.dataset.path,
      format: ra.dataset.format,
      images: ra.dataset.images,
      annotations: ra.dataset.annotations,
      fingerprint: ra.dataset.fingerprint ?? null,
    },
    a: runSummary(a),
    b: runSummary(b),
    notes,
    summary: FIGURES.map((figure) => ({
      key: figure.key,
      label: figure.label,
      better: figure.better,
      ...pair(figure.get(ra), figure.get(rb)),
    })),
    per_class: perClass,
    images,
  };
}
