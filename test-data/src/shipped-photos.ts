import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The photos this repository ships: the COCO 2017 photos whose Flickr licence allows redistribution, with their
 * official COCO annotations (see evaluation/dataset/ATTRIBUTION.md).
 */
export const SHIPPED_DATASET_DIR = fileURLToPath(new URL('../../evaluation/dataset', import.meta.url));

/** A box as detectors return it: `[x1, y1, x2, y2]` in pixels of the image as displayed. */
export type Box = [number, number, number, number];

/** One ground-truth object of a photo. */
export interface LabelledObject {
  /** The COCO category name, which is also the model's label (`person`, `motorcycle`, ...). */
  label: string;
  box: Box;
  /** COCO's area of the object (its segmentation's area, in pixels), used by COCO's small/medium/large ranges. */
  area: number;
  /** A COCO crowd region: matched detections are ignored, never counted as found or missed. */
  crowd: boolean;
}

export interface Category {
  id: number;
  name: string;
}

export interface ShippedPhoto {
  /** The file name, e.g. `000000000086.jpg`. */
  name: string;
  /** Absolute path of the JPEG. */
  file: string;
  cocoId: number;
  width: number;
  height: number;
  /** The Flickr licence COCO records for the photo. */
  licence: string;
  objects: LabelledObject[];
}

interface CocoInstances {
  licenses: Array<{ id: number; name: string }>;
  categories: Category[];
  images: Array<{ id: number; file_name: string; width: number; height: number; license: number }>;
  annotations: Array<{
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0 | 1;
  }>;
}

const instances = JSON.parse(
  readFileSync(path.join(SHIPPED_DATASET_DIR, 'instances.json'), 'utf8'),
) as CocoInstances;

/** COCO's 80 categories in id order (ids 1-90 with gaps), as the shipped annotations list them. */
export const cocoCategories: readonly Category[] = [...instances.categories].sort((a, b) => a.id - b.id);

const categoryNames = new Map(cocoCategories.map((category) => [category.id, category.name]));
const licenceNames = new Map(instances.licenses.map((licence) => [licence.id, licence.name]));

/** Every shipped photo with its annotations, ordered by file name. */
export const shippedPhotos: readonly ShippedPhoto[] = instances.images
  .map((image) => ({
    name: image.file_name,
    file: path.join(SHIPPED_DATASET_DIR, 'images', image.file_name),
    cocoId: image.id,
    width: image.width,
    height: image.height,
    licence: licenceNames.get(image.license) ?? `licence ${image.license}`,
    objects: instances.annotations
      .filter((annotation) => annotation.image_id === image.id)
      .map((annotation) => {
        const [x, y, width, height] = annotation.bbox;
        return {
          label: categoryNames.get(annotation.category_id)!,
          box: [x, y, x + width, y + height] as Box,
          area: annotation.area,
          crowd: annotation.iscrowd === 1,
        };
      }),
  }))
  .sort((a, b) => a.name.localeCompare(b.name));

/** One shipped photo by file name (`000000000086.jpg`) or COCO id (`000000000086`). */
export function shippedPhoto(name: string): ShippedPhoto {
  const fileName = name.endsWith('.jpg') ? name : `${name}.jpg`;
  const photo = shippedPhotos.find((candidate) => candidate.name === fileName);
  if (!photo)
    throw new Error(
      `${fileName} is not a shipped photo; the repository ships ${shippedPhotos.map((p) => p.name).join(', ')}`,
    );
  return photo;
}

/** The bytes of a shipped photo, as stored (JPEG). */
export function readShippedPhoto(name: string): Buffer {
  return readFileSync(shippedPhoto(name).file);
}
