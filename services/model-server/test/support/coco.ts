import { fileURLToPath } from 'node:url';

export const MODEL_REPOSITORY = fileURLToPath(new URL('../../../../model/repository', import.meta.url));

export function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const intersection = w * h;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - intersection;
  return union > 0 ? intersection / union : 0;
}

/** A photo of faces shipped with the reference library (installed with @detection/model). */
export const FACE_IMAGE = fileURLToPath(
  new URL(
    '../../../../model/node_modules/@vladmandic/human/assets/screenshot-facedetect.jpg',
    import.meta.url,
  ),
);
