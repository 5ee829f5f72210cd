import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type Dataset, DatasetError } from './dataset.js';

const cocoInstancesSchema = z.object({
  images: z.array(
    z.object({
      id: z.number().int(),
      file_name: z.string().min(1),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
  ),
  annotations: z.array(
    z.object({
      id: z.number().int(),
      image_id: z.number().int(),
      category_id: z.number().int(),
      bbox: z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]),
      area: z.number().nonnegative().optional(),
      iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
    }),
  ),
  categories: z.array(z.object({ id: z.number().int(), name: z.string().min(1) })).min(1),
});

/** Where a COCO-format dataset keeps its annotations: `instances.json`, or one `annotations/instances*.json`. */
export function findCocoInstances(root: string): string | null {
  const direct = path.join(root, 'instances.json');
  if (existsSync(direct)) return direct;
  const folder = path.join(root, 'annotations');
  if (!existsSync(folder)) return null;
  return (
    ['instances.json', 'instances_val2017.json', 'instances_train2017.json']
      .map((name) => path.join(folder, name))
      .find((file) => existsSync(file)) ?? null
  );
}

/**
 * Reads a COCO-format dataset: the instances file plus its images, looked up in `images/` (or beside the file).
 * Areas come from the file (COCO's segmentation areas), or width × height where an annotation has none.
 */
export function loadCocoDataset(root: string, instancesFile: string): Dataset {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(instancesFile, 'utf8'));
  } catch (error) {
    throw new DatasetError(`${instancesFile} is not readable JSON: ${(error as Error).message}`);
  }
  const parsed = cocoInstancesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(
      `${instancesFile} is not a COCO instances file: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const instances = parsed.data;
  const imageDir = [path.join(root, 'images'), root].find((dir) =>
    instances.images.every((image) => existsSync(path.join(dir, image.file_name))),
  );
  if (!imageDir) {
    const missing = instances.images.filter(
      (image) => !existsSync(path.join(root, 'images', image.file_name)),
    );
    throw new DatasetError(
      `${missing.length} image(s) listed in ${instancesFile} are not in ${path.join(root, 'images')}, e.g. ${missing
        .slice(0, 3)
        .map((image) => image.file_name)
        .join(', ')}`,
    );
  }
  assertUnique(
    instances.images.map((image) => image.id),
    'image id',
    instancesFile,
  );
  assertUnique(
    instances.annotations.map((annotation) => annotation.id),
    'annotation id',
    instancesFile,
  );
  assertUnique(
    instances.categories.map((category) => category.id),
    'category id',
    instancesFile,
  );
  const imageIds = new Set(instances.images.map((image) => image.id));
  const categoryIds = new Set(instances.categories.map((category) => category.id));
  for (const annotation of instances.annotations) {
    if (!imageIds.has(annotation.image_id))
      throw new DatasetError(
        `annotation ${annotation.id} refers to image ${annotation.image_id}, which is not listed`,
      );
    if (!categoryIds.has(annotation.category_id))
      throw new DatasetError(
        `annotation ${annotation.id} refers to category ${annotation.category_id}, which is not listed`,
      );
  }

  return {
    root,
    format: 'coco',
    images: instances.images
      .map((image) => ({
        id: image.id,
        fileName: image.file_name,
        path: path.join(imageDir, image.file_name),
        width: image.width,
        height: image.height,
      }))
      .sort((a, b) => a.id - b.id),
    annotations: instances.annotations.map((annotation) => ({
      id: annotation.id,
      imageId: annotation.image_id,
      categoryId: annotation.category_id,
      bbox: annotation.bbox,
      area: annotation.area ?? annotation.bbox[2] * annotation.bbox[3],
      iscrowd: annotation.iscrowd === 1 || annotation.iscrowd === true,
    })),
    categories: instances.categories.map((category) => ({ id: category.id, name: category.name })),
  };
}

function assertUnique(ids: number[], what: string, file: string): void {
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw new DatasetError(`${file} has ${what} ${id} twice`);
    seen.add(id);
  }
}
