import { describe, expect, it } from 'vitest';
import type { CocoBox } from '../dataset/dataset.js';
import { type MatchDetection, type MatchGroundTruth, matchImage } from './matching.js';
import { bestF1, countsAt, f1Of, sweepThresholds } from './threshold-sweep.js';

const object = (bbox: CocoBox, categoryId = 1, iscrowd = false): MatchGroundTruth => ({
  bbox,
  categoryId,
  iscrowd,
});
const detection = (bbox: CocoBox, score: number, categoryId = 1): MatchDetection => ({
  bbox,
  categoryId,
  score,
});

/**
 * Objects A, B (class 1) and C (class 2). Class 1: on A at 0.9, on nothing at 0.8, on B at 0.6, a duplicate of A
 * at 0.3. Class 2: on nothing at 0.95, on C at 0.6.
 */
const image = {
  groundTruth: [object([0, 0, 10, 10]), object([20, 0, 10, 10]), object([0, 50, 10, 10], 2)],
  detections: [
    detection([0, 0, 10, 10], 0.9),
    detection([50, 50, 10, 10], 0.8),
    detection([20, 0, 10, 10], 0.6),
    detection([1, 0, 10, 10], 0.3),
    detection([80, 80, 10, 10], 0.95, 2),
    detection([0, 50, 10, 10], 0.6, 2),
  ],
};

describe('sweepThresholds (precision, recall and F1 at every score threshold)', () => {
  it('Should give the worked counts at each distinct score, overall and per class', () => {
    const { overall, perClass } = sweepThresholds([image], 0.5);
    expect(overall.objects).toBe(3);
    expect(overall.steps).toEqual([
      { threshold: 0.95, tp: 0, fp: 1, fn: 3 },
      { threshold: 0.9, tp: 1, fp: 1, fn: 2 },
      { threshold: 0.8, tp: 1, fp: 2, fn: 2 },
      { threshold: 0.6, tp: 3, fp: 2, fn: 0 },
      { threshold: 0.3, tp: 3, fp: 3, fn: 0 },
    ]);
    expect(perClass.get(1)!.steps).toEqual([
      { threshold: 0.9, tp: 1, fp: 0, fn: 1 },
      { threshold: 0.8, tp: 1, fp: 1, fn: 1 },
      { threshold: 0.6, tp: 2, fp: 1, fn: 0 },
      { threshold: 0.3, tp: 2, fp: 2, fn: 0 },
    ]);
    expect(perClass.get(2)!.steps).toEqual([
      { threshold: 0.95, tp: 0, fp: 1, fn: 1 },
      { threshold: 0.6, tp: 1, fp: 1, fn: 0 },
    ]);
  });

  it('Should read the counts between scores from the next lower score, and none above the highest', () => {
    const { overall } = sweepThresholds([image], 0.5);
    expect(countsAt(overall, 0.99)).toEqual({ tp: 0, fp: 0, fn: 3 });
    expect(countsAt(overall, 0.95)).toEqual({ tp: 0, fp: 1, fn: 3 });
    expect(countsAt(overall, 0.7)).toEqual({ tp: 1, fp: 2, fn: 2 });
    expect(countsAt(overall, 0.6)).toEqual({ tp: 3, fp: 2, fn: 0 });
    expect(countsAt(overall, 0)).toEqual({ tp: 3, fp: 3, fn: 0 });
  });

  it('Should find the threshold with the best F1: overall 0.6 (F1 6/8), class 1 at 0.6 (4/5), class 2 at 0.6 (2/3)', () => {
    const { overall, perClass } = sweepThresholds([image], 0.5);
    expect(bestF1(overall)).toEqual({ threshold: 0.6, tp: 3, fp: 2, fn: 0 });
    expect(f1Of(bestF1(overall)!)).toBe(0.75);
    expect(f1Of(bestF1(perClass.get(1)!)!)).toBe(0.8);
    expect(bestF1(perClass.get(2)!)).toMatchObject({ threshold: 0.6 });
  });

  it('Should take the highest threshold when two give the best F1, and none when nothing is ever found', () => {
    // Four objects: on A 0.9 (F1 2/5), on B 0.8 (4/6), nothing 0.7 and 0.6 (4/7, 4/8), on C 0.5 (6/9 = 4/6 again).
    const objects = [0, 20, 40, 60].map((x) => object([x, 0, 10, 10]));
    const detections = [
      detection([0, 0, 10, 10], 0.9),
      detection([20, 0, 10, 10], 0.8),
      detection([200, 0, 10, 10], 0.7),
      detection([220, 0, 10, 10], 0.6),
      detection([40, 0, 10, 10], 0.5),
    ];
    const { overall } = sweepThresholds([{ groundTruth: objects, detections }], 0.5);
    expect(f1Of(countsAt(overall, 0.8))).toBeCloseTo(2 / 3, 15);
    expect(f1Of(countsAt(overall, 0.5))).toBeCloseTo(2 / 3, 15);
    expect(bestF1(overall)!.threshold).toBe(0.8);
    const nothing = sweepThresholds(
      [{ groundTruth: objects, detections: [detection([500, 0, 5, 5], 0.9)] }],
      0.5,
    );
    expect(bestF1(nothing.overall)).toBeNull();
  });

  it('Should equal the operating-point matching at any threshold (random scenes, crowds and ties included)', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const box = (): CocoBox => [
      Math.floor(random() * 60),
      Math.floor(random() * 60),
      10 + random() * 30,
      10 + random() * 30,
    ];
    const images = Array.from({ length: 12 }, () => {
      const groundTruth = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        object(box(), 1 + Math.floor(random() * 3), random() < 0.1),
      );
      const detections = Array.from({ length: Math.floor(random() * 12) }, () => {
        const near = groundTruth[Math.floor(random() * groundTruth.length)]!;
        const [x, y, w, h] = near.bbox;
        const bbox: CocoBox = random() < 0.7 ? [x + random() * 6 - 3, y + random() * 6 - 3, w, h] : box();
        const score = random() < 0.2 ? 0.5 : Math.round(random() * 100) / 100;
        return detection(bbox, score, random() < 0.8 ? near.categoryId : 1 + Math.floor(random() * 3));
      });
      return { groundTruth, detections };
    });
    const { overall } = sweepThresholds(images, 0.5);
    for (const threshold of [0, 0.05, 0.2, 0.33, 0.5, 0.51, 0.75, 0.9, 1]) {
      let [tp, fp, fn] = [0, 0, 0];
      for (const scene of images) {
        const m = matchImage(
          scene.groundTruth,
          scene.detections.filter((d) => d.score >= threshold),
          0.5,
        );
        tp += m.truePositives;
        fp += m.falsePositives;
        fn += m.falseNegatives;
      }
      expect(countsAt(overall, threshold), `threshold ${threshold}`).toEqual({ tp, fp, fn });
    }
  });
});
