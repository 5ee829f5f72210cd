import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The redistributable COCO photos and annotations the evaluation ships (evaluation/dataset/ATTRIBUTION.md). */
export const SHIPPED_DATASET = fileURLToPath(new URL('../../../../evaluation/dataset', import.meta.url));

export function shippedImage(fileName: string): string {
  return path.join(SHIPPED_DATASET, 'images', fileName);
}

export interface AnnotatedBox {
  label: string;
  /** x1, y1, x2, y2 in pixels. */
  box: [number, number, number, number];
  area: number;
}

interface Instances {
  images: Array<{ id: number; file_name: string }>;
  annotations: Array<{ image_id: number; category_id: number; bbox: number[]; iscrowd: number }>;
  categories: Array<{ id: number; name: string }>;
}

let instances: Instances | undefined;

/** The COCO ground truth of one shipped image (crowd regions left out). */
export function groundTruthOf(fileName: string): AnnotatedBox[] {
  instances ??= JSON.parse(readFileSync(path.join(SHIPPED_DATASET, 'instances.json'), 'utf8')) as Instances;
  const image = instances.images.find((entry) => entry.file_name === fileName);
  if (!image) throw new Error(`no image ${fileName} in the shipped dataset`);
  const names = new Map(instances.categories.map((category) => [category.id, category.name]));
  return instances.annotations
    .filter((annotation) => annotation.image_id === image.id && !annotation.iscrowd)
    .map(({ bbox: [x, y, w, h], category_id }) => ({
      label: names.get(category_id) ?? String(category_id),
      box: [x!, y!, x! + w!, y! + h!],
      area: w! * h!,
    }));
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const w = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const h = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const intersection = w * h;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - intersection;
  return union > 0 ? intersection / union : 0;
}
