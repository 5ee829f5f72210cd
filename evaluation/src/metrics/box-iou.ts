import type { CocoBox } from '../dataset/dataset.js';

/**
 * Intersection over union of two `[x, y, w, h]` boxes, computed as the COCO API does (maskApi.c `bbIou`, the same
 * operations in the same order, so the results agree to the bit). Against a crowd region the union is the
 * detection's own area: the share of the detection that lies inside the crowd.
 */
export function boxIou(detection: CocoBox, groundTruth: CocoBox, crowd = false): number {
  const [dx, dy, dw, dh] = detection;
  const [gx, gy, gw, gh] = groundTruth;
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const intersection = w * h;
  const detectionArea = dw * dh;
  const union = crowd ? detectionArea : detectionArea + gw * gh - intersection;
  return intersection / union;
}
