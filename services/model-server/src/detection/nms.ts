import type { Detection, NmsMode } from './detection.js';

/** IoU with TensorFlow's arithmetic: corners may come in either order; empty boxes overlap nothing. */
export function intersectionOverUnion(a: Detection, b: Detection): number {
  const [ax1, ax2] = a.x1 <= a.x2 ? [a.x1, a.x2] : [a.x2, a.x1];
  const [ay1, ay2] = a.y1 <= a.y2 ? [a.y1, a.y2] : [a.y2, a.y1];
  const [bx1, bx2] = b.x1 <= b.x2 ? [b.x1, b.x2] : [b.x2, b.x1];
  const [by1, by2] = b.y1 <= b.y2 ? [b.y1, b.y2] : [b.y2, b.y1];
  const areaA = (ay2 - ay1) * (ax2 - ax1);
  const areaB = (by2 - by1) * (bx2 - bx1);
  if (areaA <= 0 || areaB <= 0) return 0;
  const intersection =
    Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0) *
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
  return intersection / (areaA + areaB - intersection);
}

/** Highest score first; equal scores in output order, as TensorFlow's NMS pops them. */
export function byScoreDescending(a: Detection, b: Detection): number {
  return b.score - a.score || a.index - b.index;
}

/**
 * Greedy hard NMS with the semantics of TensorFlow's `tf.image.nonMaxSuppression` (the reference library's):
 * candidates must score > scoreThreshold, a candidate is dropped when IoU >= iouThreshold with a kept box,
 * result in descending score order, at most maxOutput boxes.
 */
export function nonMaxSuppression(
  candidates: readonly Detection[],
  iouThreshold: number,
  scoreThreshold: number,
  maxOutput: number,
): Detection[] {
  const sorted = candidates.filter((c) => c.score > scoreThreshold).sort(byScoreDescending);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxOutput) break;
    let suppressed = false;
    for (let j = kept.length - 1; j >= 0; j--) {
      if (intersectionOverUnion(candidate, kept[j]!) >= iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}

/**
 * class_agnostic: one NMS over all candidates (the reference library's CenterNet post-processing);
 * class_aware: NMS within each class, so overlapping objects of different classes are all kept.
 */
export function suppressOverlaps(
  candidates: readonly Detection[],
  mode: NmsMode,
  iouThreshold: number,
  scoreThreshold: number,
  maxOutput: number,
): Detection[] {
  if (mode === 'class_agnostic')
    return nonMaxSuppression(candidates, iouThreshold, scoreThreshold, maxOutput);
  const byClass = new Map<number, Detection[]>();
  for (const candidate of candidates) {
    const group = byClass.get(candidate.classId);
    if (group) group.push(candidate);
    else byClass.set(candidate.classId, [candidate]);
  }
  const kept: Detection[] = [];
  for (const group of byClass.values()) {
    kept.push(...nonMaxSuppression(group, iouThreshold, scoreThreshold, maxOutput));
  }
  return kept.sort(byScoreDescending).slice(0, maxOutput);
}
