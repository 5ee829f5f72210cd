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

export { FACE_IMAGE } from './repository-files.js';
export { iou } from './shipped-dataset.js';
