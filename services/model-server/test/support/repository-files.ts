import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The model repository built by `pnpm model:build` (CenterNet and BlazeFace). */
export const MODEL_REPOSITORY = fileURLToPath(new URL('../../../../model/repository', import.meta.url));

/** The redistributable COCO photos shipped with the evaluation (evaluation/dataset/ATTRIBUTION.md). */
export const DATASET_IMAGES = fileURLToPath(
  new URL('../../../../evaluation/dataset/images', import.meta.url),
);

export function datasetImage(name: string): string {
  return path.join(DATASET_IMAGES, name);
}
