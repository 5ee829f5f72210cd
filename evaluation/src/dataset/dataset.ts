/** A box as COCO writes it: `[x, y, width, height]` in image pixels, origin top-left. */
export type CocoBox = readonly [number, number, number, number];

export interface DatasetImage {
  id: number;
  fileName: string;
  /** Absolute path of the image file. */
  path: string;
  width: number;
  height: number;
}

export interface GroundTruthAnnotation {
  id: number;
  imageId: number;
  categoryId: number;
  bbox: CocoBox;
  /** Object area in pixels (COCO: the segmentation's area), which decides small/medium/large. */
  area: number;
  iscrowd: boolean;
}

export interface Category {
  id: number;
  name: string;
}

export type DatasetFormat = 'coco' | 'yolo';

/** Ground truth in COCO's model, whatever format it was read from. Images are ordered by id. */
export interface Dataset {
  root: string;
  format: DatasetFormat;
  images: DatasetImage[];
  annotations: GroundTruthAnnotation[];
  categories: Category[];
}

export class DatasetError extends Error {
  override name = 'DatasetError';
}
