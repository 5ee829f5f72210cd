import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The COCO sample under ../shared (NC licence: read in place, never copied into the repository). */
export const COCO_SAMPLE = fileURLToPath(
  new URL('../../../../../shared/datasets/coco-sample', import.meta.url),
);
export { MODEL_REPOSITORY } from './repository-files.js';

export function cocoImage(id: string): string {
  return path.join(COCO_SAMPLE, 'images', `${id}.jpg`);
}

export interface GroundTruth {
  classId: number;
  label: string;
  box: [number, number, number, number];
}

const names = readFileSync(path.join(COCO_SAMPLE, 'names.txt'), 'utf8').trim().split('\n');
const instances = JSON.parse(readFileSync(path.join(COCO_SAMPLE, 'instances.json'), 'utf8')) as {
  images: Array<{ id: number; file_name: string; width: number; height: number }>;
};

/** Ground-truth boxes (x1, y1, x2, y2 in pixels) from the sample's YOLO label file. */
export function groundTruth(id: string): GroundTruth[] {
  const image = instances.images.find((entry) => entry.file_name === `${id}.jpg`);
  if (!image) throw new Error(`no image ${id} in instances.json`);
  const lines = readFileSync(path.join(COCO_SAMPLE, 'labels', `${id}.txt`), 'utf8')
    .trim()
    .split('\n');
  return lines.map((line) => {
    const [classId, cx, cy, w, h] = line.split(' ').map(Number) as [number, number, number, number, number];
    return {
      classId,
      label: names[classId]!,
      box: [
        (cx - w / 2) * image.width,
        (cy - h / 2) * image.height,
        (cx + w / 2) * image.width,
        (cy + h / 2) * image.height,
      ],
    };
  });
}

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
