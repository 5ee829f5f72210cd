import type { BBox } from '../api/types.js';

/** A box as CSS percentages of the displayed image, so it scales with the image at any size. */
export interface PercentRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Orders the corners and clips the box to the image; a box wholly outside becomes zero-sized at the edge. */
export function clampBox(bbox: BBox, imageWidth: number, imageHeight: number): BBox {
  const [ax, ay, bx, by] = bbox;
  return [
    clamp(Math.min(ax, bx), 0, imageWidth),
    clamp(Math.min(ay, by), 0, imageHeight),
    clamp(Math.max(ax, bx), 0, imageWidth),
    clamp(Math.max(ay, by), 0, imageHeight),
  ];
}

/** Converts a bbox in original-image pixels to percentages of the image's width and height. */
export function boxToPercentRect(bbox: BBox, imageWidth: number, imageHeight: number): PercentRect {
  if (imageWidth <= 0 || imageHeight <= 0) return { left: 0, top: 0, width: 0, height: 0 };
  const [x1, y1, x2, y2] = clampBox(bbox, imageWidth, imageHeight);
  return {
    left: (x1 / imageWidth) * 100,
    top: (y1 / imageHeight) * 100,
    width: ((x2 - x1) / imageWidth) * 100,
    height: ((y2 - y1) / imageHeight) * 100,
  };
}

export function boxArea(bbox: BBox): number {
  return Math.abs(bbox[2] - bbox[0]) * Math.abs(bbox[3] - bbox[1]);
}

export function boxSize(bbox: BBox): { width: number; height: number } {
  return { width: Math.abs(bbox[2] - bbox[0]), height: Math.abs(bbox[3] - bbox[1]) };
}

/**
 * Paint order for overlapping boxes: largest first, so a small box drawn later sits on top and stays
 * reachable by the pointer inside a large one.
 */
export function paintOrder<T extends { bbox: BBox }>(objects: readonly T[]): T[] {
  return [...objects].sort((a, b) => boxArea(b.bbox) - boxArea(a.bbox));
}

/** The objects under a point (image pixels), smallest first: the one a click there most likely means. */
export function objectsAtPoint<T extends { bbox: BBox }>(objects: readonly T[], x: number, y: number): T[] {
  return objects
    .filter(({ bbox }) => {
      const [x1, y1, x2, y2] = bbox;
      return x >= Math.min(x1, x2) && x <= Math.max(x1, x2) && y >= Math.min(y1, y2) && y <= Math.max(y1, y2);
    })
    .sort((a, b) => boxArea(a.bbox) - boxArea(b.bbox));
}

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: BBox, b: BBox): number {
  const width = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  return intersection / (boxArea(a) + boxArea(b) - intersection);
}

/**
 * Next object for arrow-key navigation over the boxes: in reading order (top to bottom, then left to
 * right by centre), wrapping around.
 */
export function readingOrder<T extends { bbox: BBox }>(objects: readonly T[]): T[] {
  return [...objects].sort((a, b) => {
    const ay = (a.bbox[1] + a.bbox[3]) / 2;
    const by = (b.bbox[1] + b.bbox[3]) / 2;
    const rowTolerance = Math.min(boxSize(a.bbox).height, boxSize(b.bbox).height) / 2;
    if (Math.abs(ay - by) > rowTolerance) return ay - by;
    return (a.bbox[0] + a.bbox[2]) / 2 - (b.bbox[0] + b.bbox[2]) / 2;
  });
}
