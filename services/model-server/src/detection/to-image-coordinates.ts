import { inputToSourceX, inputToSourceY, type ResizePlan } from '../image/resize-to-tensor.js';
import type { Detection } from './detection.js';

const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);

/** Maps boxes and keypoints from input pixels to the original image's pixels; boxes are clipped to the image. */
export function toImageCoordinates(
  detections: readonly Detection[],
  plan: ResizePlan,
  imageWidth: number,
  imageHeight: number,
): Detection[] {
  return detections.map((detection) => {
    const mapped: Detection = {
      ...detection,
      x1: clamp(inputToSourceX(plan, Math.min(detection.x1, detection.x2)), imageWidth),
      y1: clamp(inputToSourceY(plan, Math.min(detection.y1, detection.y2)), imageHeight),
      x2: clamp(inputToSourceX(plan, Math.max(detection.x1, detection.x2)), imageWidth),
      y2: clamp(inputToSourceY(plan, Math.max(detection.y1, detection.y2)), imageHeight),
    };
    if (detection.keypoints) {
      mapped.keypoints = detection.keypoints.map((value, i) =>
        i % 2 === 0 ? inputToSourceX(plan, value) : inputToSourceY(plan, value),
      );
    }
    return mapped;
  });
}
