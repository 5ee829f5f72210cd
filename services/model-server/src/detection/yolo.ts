import type { Postprocessing } from '@detection/model/config';
import type { Detection } from './detection.js';

type YoloPostprocessing = Extract<Postprocessing, { type: 'yolo' }>;
export type YoloVersion = YoloPostprocessing['version'];
export type YoloLayoutName = NonNullable<YoloPostprocessing['layout']>;

export interface YoloLayout {
  boxesFirst: boolean;
  boxCount: number;
  /** Values per box: 4 coordinates, objectness (v5 only), then one score per class. */
  attributeCount: number;
  classCount: number;
  hasObjectness: boolean;
}

/**
 * Reads the candidate layout from the output's runtime shape ([1, A, B] or [A, B]). Explicit `layout` wins;
 * otherwise the axis matching 4 (+1) + labels is the attribute axis, and without labels the smaller axis.
 * Throws an Error describing the mismatch.
 */
export function resolveYoloLayout(
  dims: readonly number[],
  version: YoloVersion,
  layout: YoloLayoutName | undefined,
  labelCount: number | undefined,
): YoloLayout {
  const matrix = dims.length === 3 && dims[0] === 1 ? dims.slice(1) : dims;
  if (matrix.length !== 2 || !matrix.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(
      `a YOLO output must be [1, boxes, attributes] or [1, attributes, boxes], got [${dims.join(', ')}]`,
    );
  }
  const [first, second] = matrix as [number, number];
  const hasObjectness = version === 'v5';
  const fixed = hasObjectness ? 5 : 4;
  let boxesFirst: boolean;
  if (layout) {
    boxesFirst = layout === 'boxes_first';
  } else if (labelCount !== undefined) {
    const expected = fixed + labelCount;
    if (first === expected && second === expected) boxesFirst = version === 'v5';
    else if (second === expected) boxesFirst = true;
    else if (first === expected) boxesFirst = false;
    else {
      throw new Error(
        `YOLO ${version} output [${dims.join(', ')}] has no axis of ${expected} values (${fixed} + ${labelCount} labels)`,
      );
    }
  } else {
    boxesFirst = second < first;
  }
  const [boxCount, attributeCount] = boxesFirst ? [first, second] : [second, first];
  const classCount = attributeCount - fixed;
  if (classCount < 1) throw new Error(`YOLO ${version} output [${dims.join(', ')}] has no class scores`);
  if (labelCount !== undefined && classCount !== labelCount) {
    throw new Error(`YOLO output has ${classCount} classes but the config lists ${labelCount} labels`);
  }
  return { boxesFirst, boxCount, attributeCount, classCount, hasObjectness };
}

export interface YoloDecodeOptions {
  scoreThreshold: number;
  classIds: ReadonlySet<number> | null;
  /** Coordinates are fractions of the input size. */
  normalized: boolean;
  inputWidth: number;
  inputHeight: number;
}

/**
 * Candidates scoring above the threshold, as Ultralytics' `non_max_suppression` selects them: the best class
 * per box, score = class score (v8/v11) or objectness x class score (v5); boxes converted from centre/size
 * to corners, in input pixels.
 */
export function decodeYolo(
  output: ArrayLike<number>,
  layout: YoloLayout,
  options: YoloDecodeOptions,
): Detection[] {
  const { boxCount, attributeCount, classCount, hasObjectness, boxesFirst } = layout;
  const [boxStride, attributeStride] = boxesFirst ? [attributeCount, 1] : [1, boxCount];
  const classOffset = hasObjectness ? 5 : 4;
  const [scaleX, scaleY] = options.normalized ? [options.inputWidth, options.inputHeight] : [1, 1];
  const detections: Detection[] = [];
  for (let index = 0; index < boxCount; index++) {
    const base = index * boxStride;
    const objectness = hasObjectness ? output[base + 4 * attributeStride]! : 1;
    if (hasObjectness && !(objectness > options.scoreThreshold)) continue;
    let bestClass = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classCount; c++) {
      const score = output[base + (classOffset + c) * attributeStride]!;
      if (score > bestScore) {
        bestScore = score;
        bestClass = c;
      }
    }
    const score = objectness * bestScore;
    if (!(score > options.scoreThreshold)) continue;
    if (options.classIds && !options.classIds.has(bestClass)) continue;
    const cx = output[base]! * scaleX;
    const cy = output[base + attributeStride]! * scaleY;
    const halfWidth = (output[base + 2 * attributeStride]! * scaleX) / 2;
    const halfHeight = (output[base + 3 * attributeStride]! * scaleY) / 2;
    if (![cx, cy, halfWidth, halfHeight].every(Number.isFinite)) continue;
    detections.push({
      x1: cx - halfWidth,
      y1: cy - halfHeight,
      x2: cx + halfWidth,
      y2: cy + halfHeight,
      score,
      classId: bestClass,
      index,
    });
  }
  return detections;
}
