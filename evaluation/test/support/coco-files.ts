import type { CocoBox } from '../../src/dataset/dataset.js';
import { evaluateCoco } from '../../src/metrics/coco-eval.js';

export interface CocoInstancesFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: CocoBox;
    area: number;
    iscrowd: number;
  }[];
}

export type CocoResultsFile = { image_id: number; category_id: number; bbox: CocoBox; score: number }[];

/** Scores a COCO instances file and a COCO results file as read from disk, as a COCO tool would. */
export function scoreCocoFiles(instances: CocoInstancesFile, detections: CocoResultsFile): number[] {
  return evaluateCoco({
    imageIds: instances.images.map((image) => image.id),
    categoryIds: instances.categories.map((category) => category.id),
    groundTruth: instances.annotations.map((a) => ({
      id: a.id,
      imageId: a.image_id,
      categoryId: a.category_id,
      bbox: a.bbox,
      area: a.area,
      iscrowd: a.iscrowd === 1,
    })),
    results: detections.map((d, i) => ({
      id: i + 1,
      imageId: d.image_id,
      categoryId: d.category_id,
      bbox: d.bbox,
      score: d.score,
    })),
  }).stats;
}
