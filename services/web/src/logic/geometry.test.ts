import { describe, expect, it } from 'vitest';
import type { BBox } from '../api/types.js';
import { boxToPercentRect, clampBox, iou, objectsAtPoint, paintOrder, readingOrder } from './geometry.js';

describe('boxToPercentRect', () => {
  it('maps image pixels to percentages of the image', () => {
    expect(boxToPercentRect([64, 48, 320, 240], 640, 480)).toEqual({
      left: 10,
      top: 10,
      width: 40,
      height: 40,
    });
  });

  it('clips boxes that spill over the image edges and orders swapped corners', () => {
    expect(boxToPercentRect([700, 500, -20, 240], 640, 480)).toEqual({
      left: 0,
      top: 50,
      width: 100,
      height: 50,
    });
  });

  it('gives an empty rectangle for an image without size instead of dividing by zero', () => {
    expect(boxToPercentRect([1, 2, 3, 4], 0, 0)).toEqual({ left: 0, top: 0, width: 0, height: 0 });
  });
});

describe('clampBox', () => {
  it('keeps a box wholly outside the image as a zero-area box on the edge', () => {
    expect(clampBox([800, 10, 900, 20], 640, 480)).toEqual([640, 10, 640, 20]);
  });
});

describe('overlapping boxes', () => {
  const big = { id: 'big', bbox: [0, 0, 100, 100] as BBox };
  const small = { id: 'small', bbox: [40, 40, 60, 60] as BBox };
  const apart = { id: 'apart', bbox: [200, 200, 210, 210] as BBox };

  it('paints large boxes first so small ones stay on top and clickable', () => {
    expect(paintOrder([small, apart, big]).map(({ id }) => id)).toEqual(['big', 'small', 'apart']);
  });

  it('finds the objects under a point, smallest first', () => {
    expect(objectsAtPoint([big, small, apart], 50, 50).map(({ id }) => id)).toEqual(['small', 'big']);
    expect(objectsAtPoint([big, small, apart], 150, 150)).toEqual([]);
  });

  it('computes intersection over union', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('readingOrder', () => {
  it('goes left to right within a row and rows top to bottom', () => {
    const objects = [
      { id: 'bottom', bbox: [0, 300, 50, 350] as BBox },
      { id: 'right', bbox: [300, 10, 400, 110] as BBox },
      { id: 'left', bbox: [0, 20, 100, 120] as BBox },
    ];
    expect(readingOrder(objects).map(({ id }) => id)).toEqual(['left', 'right', 'bottom']);
  });
});
