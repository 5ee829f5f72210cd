import { describe, expect, it } from 'vitest';
import { decodeCenternetRows } from './centernet.js';

const rows = Float32Array.from([
  // x1, y1, x2, y2, score, class
  10,
  20,
  110,
  220,
  0.9,
  0,
  0,
  0,
  50,
  50,
  0.25,
  1, // at the threshold: dropped
  5,
  5,
  60,
  60,
  0.5,
  80, // class out of range
  1,
  2,
  3,
  4,
  Number.NaN,
  2, // NaN score
  7,
  7,
  9,
  9,
  0.6,
  Number.NaN, // NaN class (the reference skips these)
  30,
  30,
  40,
  40,
  0.4,
  2.5, // not an integer class
  100,
  100,
  200,
  Number.POSITIVE_INFINITY,
  0.7,
  3,
  300,
  300,
  400,
  400,
  0.375,
  3,
]);

describe('decodeCenternetRows', () => {
  it('Should keep rows above the threshold with a valid class and finite corners, in output order', () => {
    const detections = decodeCenternetRows(rows, 80, 0.25, null);
    expect(detections.map((d) => [d.index, d.classId, d.x1, d.y2])).toEqual([
      [0, 0, 10, 220],
      [7, 3, 300, 400],
    ]);
    expect(detections[0]!.score).toBeCloseTo(0.9, 6);
  });

  it('Should filter classes before NMS sees them', () => {
    expect(decodeCenternetRows(rows, 80, 0.25, new Set([3])).map((d) => d.index)).toEqual([7]);
    expect(decodeCenternetRows(rows, 80, 0.25, new Set([42]))).toEqual([]);
  });

  it('Should ignore a trailing partial row', () => {
    expect(decodeCenternetRows(rows.subarray(0, 10), 80, 0, null)).toHaveLength(1);
  });
});
