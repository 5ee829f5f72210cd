import type { CocoBox, GroundTruthAnnotation } from '../dataset/dataset.js';
import { boxIou } from './box-iou.js';
import { indicesByDescendingValue } from './stable-order.js';

/**
 * COCO bounding-box evaluation, following the published COCOeval (pycocotools `cocoeval.py`: evaluate,
 * evaluateImg, accumulate, summarize) step for step, so that it gives the same numbers on the same input:
 * - per image and category, detections sorted by score (ties keep input order), at most 100;
 * - greedy matching at each IoU threshold, a detection taking the best-IoU unmatched ground truth,
 *   preferring regular ground truth over ignored ones; crowd regions can absorb any number of detections,
 *   with IoU = intersection / detection area, and are never counted as misses;
 * - ground truth outside an area range is ignored, and so are unmatched detections outside it;
 * - precision interpolated at 101 recall points (0, 0.01, …, 1), precision made monotone from the right;
 * - averages over the entries that exist (-1 marks "no ground truth in this setting").
 */

/** Ground truth as COCOeval reads it: crowd flag, and `area` (not the box's) for the area ranges. */
export type CocoGroundTruth = GroundTruthAnnotation;

/** A detection in COCO results form; `id` is its 1-based position in the results, as the COCO API numbers them. */
export interface CocoResult {
  id: number;
  imageId: number;
  categoryId: number;
  bbox: CocoBox;
  score: number;
}

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large';
  min: number;
  max: number;
}

/** numpy.linspace(start, stop, num): start + i·step, and exactly `stop` at the end. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
export const RECALL_THRESHOLDS = linspace(0, 1, 101);
export const MAX_DETECTIONS = [1, 10, 100] as const;
export const AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0, max: 1e5 ** 2 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
];

interface ImageEvaluation {
  /** Scores of the kept detections, highest first. */
  dtScores: number[];
  /** [threshold][detection]: id of the matched ground truth, 0 if none. */
  dtMatches: number[][];
  /** [threshold][detection]: matched an ignored ground truth, or unmatched and outside the area range. */
  dtIgnore: boolean[][];
  gtIgnore: boolean[];
}

/** The accumulated arrays of COCOeval, flattened: precision[t][r][k][a][m] and recall[t][k][a][m]; -1 = no data. */
export interface CocoAccumulation {
  categoryIds: number[];
  precision: Float64Array;
  recall: Float64Array;
  precisionAt(t: number, r: number, k: number, a: number, m: number): number;
  recallAt(t: number, k: number, a: number, m: number): number;
}

/** The twelve numbers COCOeval.summarize prints, in its order. */
export interface CocoSummary {
  AP: number;
  AP50: number;
  AP75: number;
  APs: number;
  APm: number;
  APl: number;
  AR1: number;
  AR10: number;
  AR100: number;
  ARs: number;
  ARm: number;
  ARl: number;
}

export interface CocoEvaluation {
  summary: CocoSummary;
  /** The summary in pycocotools' `stats` order. */
  stats: number[];
  accumulation: CocoAccumulation;
}

type Key = `${number}:${number}`;
const key = (imageId: number, categoryId: number): Key => `${imageId}:${categoryId}`;

function groupBy<T extends { imageId: number; categoryId: number }>(items: readonly T[]): Map<Key, T[]> {
  const groups = new Map<Key, T[]>();
  for (const item of items) {
    const k = key(item.imageId, item.categoryId);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function sortedUnique(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** IoU matrix [detection][ground truth] with detections in score order (top maxDets), ground truth as given. */
function computeIoU(
  gts: readonly CocoGroundTruth[],
  dts: readonly CocoResult[],
  maxDets: number,
): number[][] {
  const order = indicesByDescendingValue(dts.map((d) => d.score)).slice(0, maxDets);
  return order.map((i) => gts.map((g) => boxIou(dts[i]!.bbox, g.bbox, g.iscrowd)));
}

function evaluateImage(
  gtsIn: readonly CocoGroundTruth[],
  dtsIn: readonly CocoResult[],
  ious: number[][],
  range: AreaRange,
  maxDet: number,
): ImageEvaluation | null {
  if (gtsIn.length === 0 && dtsIn.length === 0) return null;
  const ignoredIn = gtsIn.map((g) => g.iscrowd || g.area < range.min || g.area > range.max);
  // Regular ground truth first, ignored last, each group in its original order.
  const gtOrder = [...gtsIn.keys()].sort((a, b) => Number(ignoredIn[a]) - Number(ignoredIn[b]));
  const gts = gtOrder.map((i) => gtsIn[i]!);
  const gtIgnore = gtOrder.map((i) => ignoredIn[i]!);
  const dts = indicesByDescendingValue(dtsIn.map((d) => d.score))
    .slice(0, maxDet)
    .map((i) => dtsIn[i]!);
  const iou = (d: number, g: number) => ious[d]![gtOrder[g]!]!;

  const dtMatches = IOU_THRESHOLDS.map(() => new Array<number>(dts.length).fill(0));
  const dtIgnore = IOU_THRESHOLDS.map(() => new Array<boolean>(dts.length).fill(false));
  if (ious.length > 0 && gts.length > 0) {
    for (const [t, threshold] of IOU_THRESHOLDS.entries()) {
      const gtMatched = new Array<number>(gts.length).fill(0);
      for (const [d, detection] of dts.entries()) {
        let best = Math.min(threshold, 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < gts.length; g++) {
          if (gtMatched[g]! > 0 && !gts[g]!.iscrowd) continue;
          if (m > -1 && !gtIgnore[m] && gtIgnore[g]) break;
          if (iou(d, g) < best) continue;
          best = iou(d, g);
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t]![d] = gtIgnore[m]!;
        dtMatches[t]![d] = gts[m]!.id;
        gtMatched[m] = detection.id;
      }
    }
  }
  for (const [d, detection] of dts.entries()) {
    const area = detection.bbox[2] * detection.bbox[3];
    if (area >= range.min && area <= range.max) continue;
    for (let t = 0; t < IOU_THRESHOLDS.length; t++) {
      if (dtMatches[t]![d] === 0) dtIgnore[t]![d] = true;
    }
  }
  return { dtScores: dts.map((d) => d.score), dtMatches, dtIgnore, gtIgnore };
}

function accumulate(evaluations: (ImageEvaluation | null)[][][], categoryIds: number[]): CocoAccumulation {
  const [T, R, K, A, M] = [
    IOU_THRESHOLDS.length,
    RECALL_THRESHOLDS.length,
    categoryIds.length,
    AREA_RANGES.length,
    MAX_DETECTIONS.length,
  ];
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIndex = (t: number, r: number, k: number, a: number, m: number) =>
    (((t * R + r) * K + k) * A + a) * M + m;
  const rIndex = (t: number, k: number, a: number, m: number) => ((t * K + k) * A + a) * M + m;

  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const images = evaluations[k]![a]!.filter((e): e is ImageEvaluation => e !== null);
      if (images.length === 0) continue;
      for (const [m, maxDet] of MAX_DETECTIONS.entries()) {
        const scores: number[] = [];
        const matched: number[][] = IOU_THRESHOLDS.map(() => []);
        const ignored: boolean[][] = IOU_THRESHOLDS.map(() => []);
        let regularGroundTruth = 0;
        for (const image of images) {
          scores.push(...image.dtScores.slice(0, maxDet));
          for (let t = 0; t < T; t++) {
            matched[t]!.push(...image.dtMatches[t]!.slice(0, maxDet));
            ignored[t]!.push(...image.dtIgnore[t]!.slice(0, maxDet));
          }
          regularGroundTruth += image.gtIgnore.filter((ignore) => !ignore).length;
        }
        if (regularGroundTruth === 0) continue;
        const order = indicesByDescendingValue(scores);
        const nd = order.length;
        for (let t = 0; t < T; t++) {
          const pr = new Array<number>(nd);
          const rc = new Array<number>(nd);
          let tp = 0;
          let fp = 0;
          for (const [i, d] of order.entries()) {
            if (!ignored[t]![d]) {
              if (matched[t]![d] !== 0) tp++;
              else fp++;
            }
            rc[i] = tp / regularGroundTruth;
            pr[i] = tp / (fp + tp + Number.EPSILON);
          }
          recall[rIndex(t, k, a, m)] = nd > 0 ? rc[nd - 1]! : 0;
          for (let i = nd - 1; i > 0; i--) {
            if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          }
          let i = 0;
          for (const [r, threshold] of RECALL_THRESHOLDS.entries()) {
            while (i < nd && rc[i]! < threshold) i++;
            precision[pIndex(t, r, k, a, m)] = i < nd ? pr[i]! : 0;
          }
        }
      }
    }
  }
  return {
    categoryIds,
    precision,
    recall,
    precisionAt: (t, r, k, a, m) => precision[pIndex(t, r, k, a, m)]!,
    recallAt: (t, k, a, m) => recall[rIndex(t, k, a, m)]!,
  };
}

/** Mean of the entries > -1, or -1 when there are none (COCOeval._summarize). */
function meanOfValid(values: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (value > -1) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? -1 : sum / count;
}

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

export interface SummaryQuery {
  /** A value of IOU_THRESHOLDS, or all of them. */
  iouThreshold?: number;
  area?: AreaRange['label'];
  maxDets?: (typeof MAX_DETECTIONS)[number];
  /** Index into the accumulation's categoryIds, or all categories. */
  categoryIndex?: number;
}

/** Average precision over the selected thresholds, recall points and categories (COCOeval._summarize(ap=1)). */
export function averagePrecision(acc: CocoAccumulation, query: SummaryQuery = {}): number {
  const { ts, ks, a, m } = select(acc, query);
  const R = RECALL_THRESHOLDS.length;
  return meanOfValid(
    (function* () {
      for (const t of ts) for (const r of range(R)) for (const k of ks) yield acc.precisionAt(t, r, k, a, m);
    })(),
  );
}

/** Average recall (COCOeval._summarize(ap=0)). */
export function averageRecall(acc: CocoAccumulation, query: SummaryQuery = {}): number {
  const { ts, ks, a, m } = select(acc, query);
  return meanOfValid(
    (function* () {
      for (const t of ts) for (const k of ks) yield acc.recallAt(t, k, a, m);
    })(),
  );
}

function select(acc: CocoAccumulation, query: SummaryQuery) {
  // COCOeval selects the threshold with `iouThr == p.iouThrs`; a value not in the list selects nothing.
  const ts =
    query.iouThreshold === undefined
      ? [...range(IOU_THRESHOLDS.length)]
      : [...range(IOU_THRESHOLDS.length)].filter((t) => IOU_THRESHOLDS[t] === query.iouThreshold);
  const ks = query.categoryIndex === undefined ? [...range(acc.categoryIds.length)] : [query.categoryIndex];
  const a = AREA_RANGES.findIndex((r) => r.label === (query.area ?? 'all'));
  const m = MAX_DETECTIONS.indexOf(query.maxDets ?? 100);
  return { ts, ks, a, m };
}

function summarize(acc: CocoAccumulation): CocoSummary {
  return {
    AP: averagePrecision(acc),
    AP50: averagePrecision(acc, { iouThreshold: 0.5 }),
    AP75: averagePrecision(acc, { iouThreshold: 0.75 }),
    APs: averagePrecision(acc, { area: 'small' }),
    APm: averagePrecision(acc, { area: 'medium' }),
    APl: averagePrecision(acc, { area: 'large' }),
    AR1: averageRecall(acc, { maxDets: 1 }),
    AR10: averageRecall(acc, { maxDets: 10 }),
    AR100: averageRecall(acc),
    ARs: averageRecall(acc, { area: 'small' }),
    ARm: averageRecall(acc, { area: 'medium' }),
    ARl: averageRecall(acc, { area: 'large' }),
  };
}

/**
 * Evaluates `results` against ground truth over the given images and categories (COCOeval with
 * iouType 'bbox' and default parameters: evaluate, accumulate, summarize).
 */
export function evaluateCoco(input: {
  imageIds: Iterable<number>;
  categoryIds: Iterable<number>;
  groundTruth: readonly CocoGroundTruth[];
  results: readonly CocoResult[];
}): CocoEvaluation {
  const imageIds = sortedUnique(input.imageIds);
  const categoryIds = sortedUnique(input.categoryIds);
  const gts = groupBy(input.groundTruth);
  const dts = groupBy(input.results);
  const maxDets = MAX_DETECTIONS[MAX_DETECTIONS.length - 1]!;

  const evaluations = categoryIds.map((categoryId) => {
    const perImage = imageIds.map((imageId) => {
      const g = gts.get(key(imageId, categoryId)) ?? [];
      const d = dts.get(key(imageId, categoryId)) ?? [];
      return { g, d, ious: g.length === 0 && d.length === 0 ? [] : computeIoU(g, d, maxDets) };
    });
    return AREA_RANGES.map((areaRange) =>
      perImage.map(({ g, d, ious }) => evaluateImage(g, d, ious, areaRange, maxDets)),
    );
  });
  const accumulation = accumulate(evaluations, categoryIds);
  const summary = summarize(accumulation);
  return {
    summary,
    stats: [
      summary.AP,
      summary.AP50,
      summary.AP75,
      summary.APs,
      summary.APm,
      summary.APl,
      summary.AR1,
      summary.AR10,
      summary.AR100,
      summary.ARs,
      summary.ARm,
      summary.ARl,
    ],
    accumulation,
  };
}
