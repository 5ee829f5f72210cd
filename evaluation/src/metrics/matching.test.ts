import { describe, expect, it } from 'vitest';
import type { CocoBox } from '../dataset/dataset.js';
import { type MatchDetection, type MatchGroundTruth, matchImage, scoreMatching } from './matching.js';

const truth = (bbox: CocoBox, categoryId = 1, iscrowd = false): MatchGroundTruth => ({
  bbox,
  categoryId,
  iscrowd,
});
const detection = (bbox: CocoBox, categoryId = 1, score = 0.9): MatchDetection => ({
  bbox,
  categoryId,
  score,
});

describe('matchImage (one-to-one, Hungarian, class by class)', () => {
  it('Should match perfect detections: precision, recall and F1 of 1, mean IoU 1', () => {
    const gts = [truth([0, 0, 10, 10]), truth([20, 20, 10, 10], 2)];
    const m = matchImage(gts, [detection([20, 20, 10, 10], 2), detection([0, 0, 10, 10])]);
    expect(m.pairs).toEqual([
      { detection: 0, groundTruth: 1, iou: 1 },
      { detection: 1, groundTruth: 0, iou: 1 },
    ]);
    expect(scoreMatching(m.truePositives, m.falsePositives, m.falseNegatives, 2)).toEqual({
      tp: 2,
      fp: 0,
      fn: 0,
      precision: 1,
      recall: 1,
      f1: 1,
      mean_iou: 1,
    });
  });

  it('Should score no detections as recall 0, F1 0 and precision undefined', () => {
    const m = matchImage([truth([0, 0, 10, 10])], []);
    expect(scoreMatching(m.truePositives, m.falsePositives, m.falseNegatives, 0)).toEqual({
      tp: 0,
      fp: 0,
      fn: 1,
      precision: null,
      recall: 0,
      f1: 0,
      mean_iou: null,
    });
  });

  it('Should give the documented partial case: 2 of 3 objects found, 1 false alarm, a class mix-up and a loose box', () => {
    // Objects: A [0,0,10,10] and B [100,0,10,10] (class 1), C [0,100,20,20] (class 2).
    // Detections: A exact (IoU 1), B loose [100,0,10,14] (IoU 100/140 = 0.714), C labelled class 1 (no match),
    // and a box on nothing. TP 2 (A, B), FP 2 (mislabelled C, empty box), FN 1 (C).
    const gts = [truth([0, 0, 10, 10]), truth([100, 0, 10, 10]), truth([0, 100, 20, 20], 2)];
    const dts = [
      detection([0, 0, 10, 10]),
      detection([100, 0, 10, 14]),
      detection([0, 100, 20, 20], 1),
      detection([300, 300, 10, 10]),
    ];
    const m = matchImage(gts, dts);
    expect([m.truePositives, m.falsePositives, m.falseNegatives]).toEqual([2, 2, 1]);
    expect(m.verdicts).toEqual(['tp', 'tp', 'fp', 'fp']);
    const iouSum = m.pairs.reduce((sum, pair) => sum + pair.iou, 0);
    const scores = scoreMatching(m.truePositives, m.falsePositives, m.falseNegatives, iouSum);
    expect(scores.precision).toBe(0.5);
    expect(scores.recall).toBeCloseTo(2 / 3, 12);
    expect(scores.f1).toBeCloseTo(4 / 7, 12);
    expect(scores.mean_iou).toBeCloseTo((1 + 100 / 140) / 2, 12);
  });

  it('Should find the assignment with the most matches where greedy best-IoU matching finds fewer', () => {
    // d0 overlaps g0 best (IoU 0.9) but also g1 (0.6); d1 overlaps only g0 (0.7).
    // Greedy (d0 → g0) leaves d1 unmatched; the optimum is d0 → g1, d1 → g0.
    const g0: CocoBox = [0, 0, 100, 100];
    const g1: CocoBox = [25, 0, 100, 100];
    const d0: CocoBox = [5, 0, 100, 100];
    const d1: CocoBox = [0, 0, 100, 70];
    const m = matchImage([truth(g0), truth(g1)], [detection(d0), detection(d1)]);
    expect(m.truePositives).toBe(2);
    expect(m.pairs.map((pair) => [pair.detection, pair.groundTruth])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('Should match only one of two detections that overlap one object equally (a tie), the other being a false positive', () => {
    const m = matchImage([truth([0, 0, 10, 10])], [detection([0, 0, 10, 8]), detection([0, 2, 10, 8])]);
    expect(m.truePositives).toBe(1);
    expect(m.falsePositives).toBe(1);
    expect(m.pairs[0]!.iou).toBeCloseTo(0.8, 12);
  });

  it('Should prefer the higher total IoU among assignments with the same number of matches', () => {
    const m = matchImage(
      [truth([0, 0, 10, 10]), truth([0, 0, 10, 9])],
      [detection([0, 0, 10, 9]), detection([0, 0, 10, 10])],
    );
    expect(m.pairs.map((pair) => pair.iou)).toEqual([1, 1]);
  });

  it('Should not match below the IoU threshold', () => {
    const m = matchImage([truth([0, 0, 10, 10])], [detection([5, 0, 10, 10])]);
    expect([m.truePositives, m.falsePositives, m.falseNegatives]).toEqual([0, 1, 1]);
    expect(matchImage([truth([0, 0, 10, 10])], [detection([5, 0, 10, 10])], 0.3).truePositives).toBe(1);
  });

  it('Should ignore detections inside a crowd region of their class and never count the crowd as missed', () => {
    const gts = [truth([0, 0, 100, 100], 1, true), truth([200, 0, 10, 10])];
    const dts = [
      detection([10, 10, 20, 20]),
      detection([50, 50, 20, 20]),
      detection([200, 0, 10, 10]),
      detection([10, 10, 20, 20], 2),
    ];
    const m = matchImage(gts, dts);
    expect(m.verdicts).toEqual(['ignored', 'ignored', 'tp', 'fp']);
    expect([m.truePositives, m.falsePositives, m.falseNegatives, m.ignored]).toEqual([1, 1, 0, 2]);
  });
});
