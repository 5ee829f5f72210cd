import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from './detection.js';
import { intersectionOverUnion, nonMaxSuppression, suppressOverlaps } from './nms.js';

tf.env().set('PROD', true);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const box = (
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score: number,
  classId = 0,
  index = 0,
): Detection => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classId,
  index,
});

describe('intersectionOverUnion', () => {
  it.each([
    ['identical', box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1), 1],
    ['half overlap', box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1), 50 / 150],
    ['disjoint', box(0, 0, 10, 10, 1), box(20, 20, 30, 30, 1), 0],
    ['touching edges', box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1), 0],
    ['corners in either order', box(10, 10, 0, 0, 1), box(0, 0, 10, 10, 1), 1],
    ['empty box', box(5, 5, 5, 9, 1), box(0, 0, 10, 10, 1), 0],
    ['contained', box(0, 0, 10, 10, 1), box(2, 2, 4, 4, 1), 4 / 100],
  ])('Should compute IoU: %s', (_, a, b, expected) => {
    expect(intersectionOverUnion(a, b)).toBeCloseTo(expected, 10);
  });
});

describe('nonMaxSuppression', () => {
  it('Should keep the best of overlapping boxes, drop scores at or below the threshold, cap the count', () => {
    const candidates = [
      box(0, 0, 10, 10, 0.9, 0, 0),
      box(1, 1, 11, 11, 0.8, 0, 1), // IoU 0.68 with #0
      box(50, 50, 60, 60, 0.7, 0, 2),
      box(100, 100, 110, 110, 0.2, 0, 3), // exactly the threshold: dropped
      box(200, 200, 210, 210, 0.6, 0, 4),
    ];
    expect(nonMaxSuppression(candidates, 0.5, 0.2, 10).map((d) => d.index)).toEqual([0, 2, 4]);
    expect(nonMaxSuppression(candidates, 0.5, 0.2, 2).map((d) => d.index)).toEqual([0, 2]);
    expect(nonMaxSuppression(candidates, 0.7, 0.2, 10).map((d) => d.index)).toEqual([0, 1, 2, 4]);
  });

  it('Should suppress at IoU equal to the threshold and break score ties by output order', () => {
    const a = box(0, 0, 10, 10, 0.5, 0, 3);
    const b = box(5, 0, 15, 10, 0.5, 0, 1); // IoU 1/3 with a
    expect(nonMaxSuppression([a, b], 1 / 3, 0, 10).map((d) => d.index)).toEqual([1]);
    expect(nonMaxSuppression([a, b], 0.34, 0, 10).map((d) => d.index)).toEqual([1, 3]);
  });

  it('Should select exactly what tf.image.nonMaxSuppression selects on random boxes', () => {
    let state = 42;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let trial = 0; trial < 20; trial++) {
      const candidates = Array.from({ length: 200 }, (_, index) => {
        const [x, y] = [Math.fround(random() * 400), Math.fround(random() * 400)];
        const [w, h] = [Math.fround(10 + random() * 100), Math.fround(10 + random() * 100)];
        return box(x, y, Math.fround(x + w), Math.fround(y + h), Math.fround(random()), 0, index);
      });
      const [iou, threshold, max] = [0.2 + random() * 0.6, random() * 0.5, 5 + Math.floor(random() * 100)];
      const expected = tf.tidy(() =>
        tf.image
          .nonMaxSuppression(
            tf.tensor2d(
              candidates.flatMap((c) => [c.y1, c.x1, c.y2, c.x2]),
              [candidates.length, 4],
            ),
            tf.tensor1d(candidates.map((c) => c.score)),
            max,
            iou,
            threshold,
          )
          .arraySync(),
      );
      expect(nonMaxSuppression(candidates, iou, threshold, max).map((d) => d.index)).toEqual(expected);
    }
  });
});

describe('suppressOverlaps', () => {
  // CenterNet emits the same box for several classes at one centre.
  const candidates = [
    box(0, 0, 100, 100, 0.53, 60, 0),
    box(0, 0, 100, 100, 0.33, 45, 1),
    box(5, 5, 100, 100, 0.3, 45, 2),
    box(300, 0, 400, 100, 0.22, 45, 3),
  ];

  it('Should keep one box per place across classes when class-agnostic', () => {
    expect(suppressOverlaps(candidates, 'class_agnostic', 0.4, 0.2, 100).map((d) => d.index)).toEqual([0, 3]);
  });

  it('Should keep overlapping boxes of different classes when class-aware, sorted by score', () => {
    expect(suppressOverlaps(candidates, 'class_aware', 0.4, 0.2, 100).map((d) => d.index)).toEqual([0, 1, 3]);
    expect(suppressOverlaps(candidates, 'class_aware', 0.4, 0.2, 2).map((d) => d.index)).toEqual([0, 1]);
  });
});
