import type { Postprocessing } from '@detection/model/config';

/** A detection candidate in model-input pixels, before or after NMS. */
export interface Detection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
  /** Position of the candidate in the model's output: the tie-breaker for equal scores. */
  index: number;
  /** x, y pairs. */
  keypoints?: number[];
}

/** class_aware: overlaps are suppressed within each class only; class_agnostic: across classes. */
export type NmsMode = Extract<Postprocessing, { type: 'yolo' }>['nms'];

export interface DetectionOptions {
  /** Candidates must score strictly above this (TensorFlow's NMS convention). */
  scoreThreshold: number;
  /** A candidate overlapping an already kept box with IoU >= this is suppressed. */
  iouThreshold: number;
  maxDetections: number;
  /** Only these class ids; null for all. */
  classIds: ReadonlySet<number> | null;
  nms: NmsMode;
}
