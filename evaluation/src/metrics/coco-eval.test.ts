import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type CocoInstancesFile,
  type CocoResultsFile,
  scoreCocoFiles,
} from '../../test/support/coco-files.js';
import type { CocoBox } from '../dataset/dataset.js';
import { boxIou } from './box-iou.js';
import {
  averagePrecision,
  type CocoGroundTruth,
  type CocoResult,
  evaluateCoco,
  IOU_THRESHOLDS,
  RECALL_THRESHOLDS,
} from './coco-eval.js';

const here = path.dirname(fileURLToPath(import.meta.url));

let nextId = 1;
const gt = (imageId: number, categoryId: number, bbox: CocoBox, extra: Partial<CocoGroundTruth> = {}) => ({
  id: nextId++,
  imageId,
  categoryId,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd: false,
  ...extra,
});
const results = (list: Omit<CocoResult, 'id'>[]): CocoResult[] => list.map((r, i) => ({ ...r, id: i + 1 }));

function evaluate(
  groundTruth: CocoGroundTruth[],
  dts: CocoResult[],
  categoryIds = [1, 2],
  imageIds = [1, 2],
) {
  return evaluateCoco({ imageIds, categoryIds, groundTruth, results: dts });
}

describe('boxIou (the COCO API bbIou)', () => {
  it('Should give intersection over union of [x, y, w, h] boxes', () => {
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10])).toBeCloseTo(50 / 150, 15);
    expect(boxIou([0, 0, 10, 10], [10, 0, 10, 10])).toBe(0);
    expect(boxIou([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
  });

  it('Should measure a detection against a crowd region by the share of the detection inside it', () => {
    expect(boxIou([0, 0, 10, 10], [0, 0, 100, 100], true)).toBe(1);
    expect(boxIou([0, 0, 10, 10], [5, 0, 100, 100], true)).toBe(0.5);
  });
});

describe('Parameters (numpy.linspace as COCOeval builds them)', () => {
  it('Should use ten IoU thresholds .50:.05:.95 and 101 recall points, with .50 and .75 exactly present', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[50]).toBe(0.5);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });
});

// Precision is tp / (tp + fp + eps) as in COCOeval, so a perfect AP is 1 / (1 + eps): hence toBeCloseTo(1, 12).
describe('evaluateCoco on hand-built cases', () => {
  it('Should give 1 everywhere for perfect detections', () => {
    const truth = [gt(1, 1, [10, 10, 100, 100]), gt(1, 2, [200, 50, 50, 60]), gt(2, 1, [0, 0, 20, 20])];
    const { summary } = evaluate(
      truth,
      results(truth.map((t) => ({ imageId: t.imageId, categoryId: t.categoryId, bbox: t.bbox, score: 0.9 }))),
    );
    expect(summary.AP).toBeCloseTo(1, 12);
    expect(summary.AP50).toBeCloseTo(1, 12);
    expect(summary.AP75).toBeCloseTo(1, 12);
    expect(summary.APs).toBeCloseTo(1, 12);
    expect(summary.APm).toBeCloseTo(1, 12);
    expect(summary.APl).toBeCloseTo(1, 12);
    expect(summary.AR100).toBe(1);
    // maxDets counts per image and class, and there is one object per image and class.
    expect(summary.AR1).toBe(1);
  });

  it('Should give 0 with no detections, and -1 where a setting has no ground truth at all', () => {
    const { summary } = evaluate([gt(1, 1, [10, 10, 100, 100])], []);
    expect(summary.AP).toBe(0);
    expect(summary.AR100).toBe(0);
    expect(summary.APs).toBe(-1);
    expect(summary.APm).toBe(-1);
    expect(summary.APl).toBe(0);
  });

  it('Should interpolate precision at 101 recall points (worked case: TP, FP, TP → AP = (51·1 + 50·2/3) / 101)', () => {
    // Scores .9 (hits A), .8 (hits nothing), .7 (hits B): precision/recall 1/.5, .5/.5, .667/1.
    // Interpolated precision is 1 up to recall .50 (51 points) and 2/3 above it (50 points), at every IoU.
    const truth = [gt(1, 1, [0, 0, 100, 100]), gt(1, 1, [300, 300, 100, 100])];
    const { summary } = evaluate(
      truth,
      results([
        { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100], score: 0.9 },
        { imageId: 1, categoryId: 1, bbox: [150, 150, 100, 100], score: 0.8 },
        { imageId: 1, categoryId: 1, bbox: [300, 300, 100, 100], score: 0.7 },
      ]),
    );
    const expected = (51 * 1 + 50 * (2 / (1 + 2 + Number.EPSILON))) / 101;
    expect(summary.AP).toBeCloseTo(expected, 12);
    expect(summary.AP).toBeCloseTo(0.834983, 6);
    expect(summary.AP50).toBeCloseTo(expected, 12);
    expect(summary.AR100).toBe(1);
    expect(summary.AR1).toBe(0.5);
  });

  it('Should match at the IoU thresholds the overlap reaches: IoU 0.72 counts at .50–.70, so AP = 5/10', () => {
    const { summary } = evaluate(
      [gt(1, 1, [0, 0, 100, 100])],
      results([{ imageId: 1, categoryId: 1, bbox: [0, 0, 100, 72], score: 0.5 }]),
    );
    expect(summary.AP).toBeCloseTo(0.5, 12);
    expect(summary.AP50).toBeCloseTo(1, 12);
    expect(summary.AP75).toBe(0);
  });

  it('Should not count detections in a crowd region as false positives, nor the crowd as a miss', () => {
    const crowd = gt(1, 1, [500, 0, 300, 300], { iscrowd: true });
    const person = gt(1, 1, [0, 0, 100, 100]);
    const dts = results([
      { imageId: 1, categoryId: 1, bbox: [510, 10, 50, 80], score: 0.95 },
      { imageId: 1, categoryId: 1, bbox: [600, 100, 50, 80], score: 0.94 },
      { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100], score: 0.9 },
    ]);
    expect(evaluate([person, crowd], dts).summary.AP).toBeCloseTo(1, 12);
    // The same detections with the region as a regular object: two false positives ranked first.
    const regular = { ...crowd, iscrowd: false };
    expect(evaluate([person, regular], dts).summary.AP).toBeLessThan(0.5);
  });

  it('Should decide small/medium/large by the annotation area, not the box, and ignore unmatched detections of other sizes', () => {
    // A box of 100x100 whose segmentation covers only 900 px²: small.
    const truth = [gt(1, 1, [0, 0, 100, 100], { area: 900 }), gt(2, 1, [0, 0, 200, 200])];
    const dts = results([
      { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100], score: 0.9 },
      { imageId: 2, categoryId: 1, bbox: [0, 0, 200, 200], score: 0.8 },
      { imageId: 2, categoryId: 1, bbox: [300, 300, 50, 50], score: 0.99 },
    ]);
    const { summary } = evaluate(truth, dts);
    // The unmatched 50x50 detection (medium) is ignored for small and large; detections matched to an object of
    // another size are ignored too. There is no medium object, so medium has no AP.
    expect(summary.APs).toBeCloseTo(1, 12);
    expect(summary.APm).toBe(-1);
    expect(summary.APl).toBeCloseTo(1, 12);
    // Over all areas the 50x50 detection is a false positive ranked first: FP, TP, TP → 2/3 at every recall.
    expect(summary.AP).toBeCloseTo(2 / (3 + Number.EPSILON), 12);
  });

  it('Should keep at most 1, 10 and 100 detections per image and class for AR@1, AR@10 and AR@100', () => {
    const truth = [gt(1, 1, [0, 0, 50, 50])];
    const misses = Array.from({ length: 10 }, (_, i) => ({
      imageId: 1,
      categoryId: 1,
      bbox: [100 + i * 60, 100, 50, 50] as CocoBox,
      score: 0.9 - i * 0.01,
    }));
    const { summary } = evaluate(
      truth,
      results([...misses, { imageId: 1, categoryId: 1, bbox: [0, 0, 50, 50], score: 0.5 }]),
    );
    expect(summary.AR1).toBe(0);
    expect(summary.AR10).toBe(0);
    expect(summary.AR100).toBe(1);
  });

  it('Should rank tied scores in input order (a stable sort, as COCOeval’s mergesort)', () => {
    const truth = [gt(1, 1, [0, 0, 100, 100])];
    const hit = { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100] as CocoBox, score: 0.5 };
    const miss = { imageId: 1, categoryId: 1, bbox: [500, 500, 100, 100] as CocoBox, score: 0.5 };
    expect(evaluate(truth, results([hit, miss])).summary.AP).toBeCloseTo(1, 12);
    // Miss first: precision 0 then 1/2 at recall 1, interpolated to 0.5 everywhere.
    expect(evaluate(truth, results([miss, hit])).summary.AP).toBeCloseTo(0.5, 12);
  });

  it('Should let each ground truth match once: a duplicate detection is a false positive', () => {
    const truth = [gt(1, 1, [0, 0, 100, 100]), gt(1, 1, [300, 300, 100, 100])];
    const dts = results([
      { imageId: 1, categoryId: 1, bbox: [0, 0, 100, 100], score: 0.9 },
      { imageId: 1, categoryId: 1, bbox: [1, 1, 100, 100], score: 0.8 },
      { imageId: 1, categoryId: 1, bbox: [300, 300, 100, 100], score: 0.7 },
    ]);
    const evaluation = evaluate(truth, dts);
    // TP, FP, TP: the worked case above.
    expect(evaluation.summary.AP).toBeCloseTo(0.834983, 6);
    expect(averagePrecision(evaluation.accumulation, { categoryIndex: 0 })).toBeCloseTo(0.834983, 6);
    // Class 2 has no ground truth: no AP (-1), and it does not pull the mean down.
    expect(averagePrecision(evaluation.accumulation, { categoryIndex: 1 })).toBe(-1);
  });
});

describe('evaluateCoco against the reference COCOeval', () => {
  // synthetic-detections.json: 856 detections (jittered true boxes, duplicates, wrong classes, background boxes,
  // tied scores, 130 boxes on one image) on the 64 images of coco-sample-instances.json, COCO's own annotations
  // of half of COCO128 (the photos are not needed; see test/fixtures/ATTRIBUTION.md), made by
  // make-synthetic-detections.ts, which reproduces the file byte for byte.
  // The expected stats were printed by COCOeval's published algorithm (pycocotools cocoeval.py evaluate /
  // evaluateImg / accumulate / summarize and maskApi.c bbIou, run under Python 3.11 with numpy 2.4.6 on this
  // machine; pycocotools itself cannot be installed here).
  const referenceStats = [
    0.2534701323587477, 0.37483500178570645, 0.2544389531997105, 0.3981186671524288, 0.3826464543009289,
    0.3052492497146214, 0.322105669903289, 0.44590543054828774, 0.45012815667577566, 0.44641523605571054,
    0.507022792022792, 0.4622038049669629,
  ];
  const instancesFile = path.resolve(here, '../../test/fixtures/coco-sample-instances.json');

  it('Should reproduce all twelve summary numbers on the 64-image COCO annotations with synthetic detections', () => {
    const instances = JSON.parse(readFileSync(instancesFile, 'utf8')) as CocoInstancesFile;
    const detections = JSON.parse(
      readFileSync(path.join(here, '../../test/fixtures/synthetic-detections.json'), 'utf8'),
    ) as CocoResultsFile;
    const stats = scoreCocoFiles(instances, detections);
    expect(stats).toHaveLength(12);
    for (const [i, value] of stats.entries()) expect(value).toBeCloseTo(referenceStats[i]!, 12);
  });
});
