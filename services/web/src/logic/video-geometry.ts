import type { BBox } from '../api/types.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a video of `videoWidth`×`videoHeight` pixels is shown inside an element of `boxWidth`×`boxHeight`
 * with `object-fit: contain`: scaled to fit, centred, with bars on the two sides the picture does not reach.
 */
export function containedRect(
  videoWidth: number,
  videoHeight: number,
  boxWidth: number,
  boxHeight: number,
): Rect {
  if (videoWidth <= 0 || videoHeight <= 0 || boxWidth <= 0 || boxHeight <= 0) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  const scale = Math.min(boxWidth / videoWidth, boxHeight / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height };
}

/**
 * A box in the video's own pixels (`[x_min, y_min, x_max, y_max]`, as the frames list gives it) in the element's
 * pixels, given where the picture is shown (`containedRect`). Clipped to the picture.
 */
export function boxOnScreen(bbox: BBox, videoWidth: number, videoHeight: number, shown: Rect): Rect {
  const scaleX = shown.width / videoWidth;
  const scaleY = shown.height / videoHeight;
  const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);
  const left = clamp(bbox[0], videoWidth) * scaleX;
  const top = clamp(bbox[1], videoHeight) * scaleY;
  const right = clamp(bbox[2], videoWidth) * scaleX;
  const bottom = clamp(bbox[3], videoHeight) * scaleY;
  return { x: shown.x + left, y: shown.y + top, width: right - left, height: bottom - top };
}
