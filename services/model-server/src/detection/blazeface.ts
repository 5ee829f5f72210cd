import type { Detection } from './detection.js';

export interface BlazefaceHead {
  stride: number;
  anchorsPerCell: number;
}

/**
 * Anchor centres in input pixels, in output order: per head, row by row, cell by cell, anchor by anchor
 * (MediaPipe's SSD anchors with fixed size 1, as the reference `facemeshutil.generateAnchors`).
 */
export function blazefaceAnchors(inputWidth: number, inputHeight: number, heads: readonly BlazefaceHead[]) {
  const anchors: number[] = [];
  for (const { stride, anchorsPerCell } of heads) {
    const rows = Math.ceil(inputHeight / stride);
    const columns = Math.ceil(inputWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        for (let n = 0; n < anchorsPerCell; n++) anchors.push((x + 0.5) * stride, (y + 0.5) * stride);
      }
    }
  }
  return Float64Array.from(anchors);
}

export interface BlazefaceOutputs {
  /** Score logits of every anchor, heads concatenated in anchor order. */
  logits: ArrayLike<number>;
  /** Regressor rows of every anchor: [dx, dy, w, h, then an (x, y) offset per keypoint]. */
  regressors: ArrayLike<number>;
  keypointCount: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Face candidates scoring above the threshold: box and keypoints in input pixels, score = sigmoid(logit). */
export function decodeBlazeface(
  outputs: BlazefaceOutputs,
  anchors: Float64Array,
  scoreThreshold: number,
): Detection[] {
  const rowLength = 4 + 2 * outputs.keypointCount;
  const detections: Detection[] = [];
  const anchorCount = anchors.length / 2;
  for (let index = 0; index < anchorCount; index++) {
    const score = sigmoid(outputs.logits[index]!);
    if (!(score > scoreThreshold)) continue;
    const [ax, ay] = [anchors[2 * index]!, anchors[2 * index + 1]!];
    const row = index * rowLength;
    const cx = outputs.regressors[row]! + ax;
    const cy = outputs.regressors[row + 1]! + ay;
    const halfWidth = outputs.regressors[row + 2]! / 2;
    const halfHeight = outputs.regressors[row + 3]! / 2;
    const keypoints: number[] = [];
    for (let k = 0; k < outputs.keypointCount; k++) {
      keypoints.push(outputs.regressors[row + 4 + 2 * k]! + ax, outputs.regressors[row + 5 + 2 * k]! + ay);
    }
    if (![cx, cy, halfWidth, halfHeight, ...keypoints].every(Number.isFinite)) continue;
    detections.push({
      x1: cx - halfWidth,
      y1: cy - halfHeight,
      x2: cx + halfWidth,
      y2: cy + halfHeight,
      score,
      classId: 0,
      index,
      keypoints,
    });
  }
  return detections;
}
