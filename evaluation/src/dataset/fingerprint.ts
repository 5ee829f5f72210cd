import { createHash } from 'node:crypto';
import type { Dataset } from './dataset.js';

/**
 * A hash of the ground truth as scoring sees it (images, objects, categories; not the folder or the format), so
 * that two reports can be told to be on the same dataset wherever it lay.
 */
export function datasetFingerprint(dataset: Dataset): string {
  const byId = <T extends { id: number }>(items: readonly T[]) => [...items].sort((a, b) => a.id - b.id);
  const canonical = {
    images: byId(dataset.images).map((image) => [image.id, image.fileName, image.width, image.height]),
    annotations: byId(dataset.annotations).map((a) => [
      a.id,
      a.imageId,
      a.categoryId,
      a.bbox,
      a.area,
      a.iscrowd,
    ]),
    categories: byId(dataset.categories).map((category) => [category.id, category.name]),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`;
}
