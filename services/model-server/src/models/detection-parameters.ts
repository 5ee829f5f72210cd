import type { ModelConfig } from '@detection/model/config';
import type { DetectionOptions, NmsMode } from '../detection/detection.js';
import { InvalidInputError } from '../errors.js';
import type { Parameters, ParameterValue } from '../inference/types.js';

/** A model config's `defaults`: score_threshold, iou_threshold, max_detections. */
export type DetectionDefaults = NonNullable<ModelConfig['defaults']>;

/** Upper bound on `max_detections` a request may ask for. */
const MAX_DETECTIONS_LIMIT = 10_000;
const NMS_MODES: readonly NmsMode[] = ['class_aware', 'class_agnostic'];

function fraction(name: string, value: ParameterValue): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidInputError(
      `parameter "${name}" must be a number between 0 and 1, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function classNames(value: ParameterValue): string[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
  }
  if (Array.isArray(value) && value.every((name) => typeof name === 'string')) return [...value];
  throw new InvalidInputError(
    'parameter "classes" must be a list of class labels or a comma-separated string of labels',
  );
}

/**
 * Request parameters of a detection model (score_threshold, iou_threshold, max_detections, classes, nms),
 * validated and completed with the model's defaults. Other parameters are left to other layers.
 */
export function detectionOptionsFrom(
  parameters: Parameters,
  defaults: DetectionDefaults,
  labels: readonly string[],
  defaultNms: NmsMode,
): DetectionOptions {
  const options: DetectionOptions = {
    scoreThreshold: defaults.score_threshold,
    iouThreshold: defaults.iou_threshold,
    maxDetections: defaults.max_detections,
    classIds: null,
    nms: defaultNms,
  };
  const { score_threshold, iou_threshold, max_detections, classes, nms } = parameters;
  if (score_threshold !== undefined) options.scoreThreshold = fraction('score_threshold', score_threshold);
  if (iou_threshold !== undefined) options.iouThreshold = fraction('iou_threshold', iou_threshold);
  if (max_detections !== undefined) {
    if (
      typeof max_detections !== 'number' ||
      !Number.isInteger(max_detections) ||
      max_detections < 1 ||
      max_detections > MAX_DETECTIONS_LIMIT
    ) {
      throw new InvalidInputError(
        `parameter "max_detections" must be an integer from 1 to ${MAX_DETECTIONS_LIMIT}, got ${JSON.stringify(max_detections)}`,
      );
    }
    options.maxDetections = max_detections;
  }
  if (classes !== undefined) {
    const ids = new Set<number>();
    for (const name of classNames(classes)) {
      const id = labels.indexOf(name);
      if (id < 0) {
        const sample = labels.slice(0, 5).join('", "');
        throw new InvalidInputError(
          `parameter "classes": this model has no class "${name}" (its ${labels.length} labels start with "${sample}")`,
        );
      }
      ids.add(id);
    }
    // An empty list filters nothing, like an absent one.
    options.classIds = ids.size > 0 ? ids : null;
  }
  if (nms !== undefined) {
    if (typeof nms !== 'string' || !NMS_MODES.includes(nms as NmsMode)) {
      throw new InvalidInputError(
        `parameter "nms" must be "class_aware" or "class_agnostic", got ${JSON.stringify(nms)}`,
      );
    }
    options.nms = nms as NmsMode;
  }
  return options;
}
