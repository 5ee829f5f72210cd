import type { DetectedObject, ImageRecord, ObjectDetails } from '../api/types.js';

/**
 * COCO 2017's category ids of the 80 detection classes, in the contiguous order detectors number them
 * (class 0 = person = category 1 … class 79 = toothbrush = category 90; ids 12, 26, 29, 30, 45, 66, 68, 69, 71
 * and 83 are unused).
 */
// biome-ignore format: rows of labels are easier to check against the COCO list
const COCO_CATEGORIES: [string, number][] = [
  ['person', 1], ['bicycle', 2], ['car', 3], ['motorcycle', 4], ['airplane', 5], ['bus', 6], ['train', 7],
  ['truck', 8], ['boat', 9], ['traffic light', 10], ['fire hydrant', 11], ['stop sign', 13],
  ['parking meter', 14], ['bench', 15], ['bird', 16], ['cat', 17], ['dog', 18], ['horse', 19], ['sheep', 20],
  ['cow', 21], ['elephant', 22], ['bear', 23], ['zebra', 24], ['giraffe', 25], ['backpack', 27],
  ['umbrella', 28], ['handbag', 31], ['tie', 32], ['suitcase', 33], ['frisbee', 34], ['skis', 35],
  ['snowboard', 36], ['sports ball', 37], ['kite', 38], ['baseball bat', 39], ['baseball glove', 40],
  ['skateboard', 41], ['surfboard', 42], ['tennis racket', 43], ['bottle', 44], ['wine glass', 46], ['cup', 47],
  ['fork', 48], ['knife', 49], ['spoon', 50], ['bowl', 51], ['banana', 52], ['apple', 53], ['sandwich', 54],
  ['orange', 55], ['broccoli', 56], ['carrot', 57], ['hot dog', 58], ['pizza', 59], ['donut', 60],
  ['cake', 61], ['chair', 62], ['couch', 63], ['potted plant', 64], ['bed', 65], ['dining table', 67],
  ['toilet', 70], ['tv', 72], ['laptop', 73], ['mouse', 74], ['remote', 75], ['keyboard', 76],
  ['cell phone', 77], ['microwave', 78], ['oven', 79], ['toaster', 80], ['sink', 81], ['refrigerator', 82],
  ['book', 84], ['clock', 85], ['vase', 86], ['scissors', 87], ['teddy bear', 88], ['hair drier', 89],
  ['toothbrush', 90],
];
export const COCO_CATEGORY_IDS: ReadonlyMap<string, number> = new Map(COCO_CATEGORIES);

/** The image as `POST /images` answers it (the `ImageWithDetections` schema): metadata plus every detection. */
export function apiResultJson(image: ImageRecord, detections: readonly ObjectDetails[]) {
  return {
    image_id: image.image_id,
    filename: image.filename,
    content_type: image.content_type,
    width: image.width,
    height: image.height,
    size_bytes: image.size_bytes,
    created_at: image.created_at,
    status: image.status,
    error: image.error,
    model: image.model ? { name: image.model.name, version: image.model.version || null } : null,
    object_count: detections.length,
    source_url: image.source_url,
    detection: {
      count: detections.length,
      detections: detections.map(({ object_id, bbox, centroid, radius, label, class_id, score }) => ({
        object_id,
        bbox,
        centroid,
        radius,
        label,
        class_id,
        score,
      })),
    },
  };
}

/**
 * The COCO image id for a file: COCO's own number for COCO-named files (`000000000540.jpg` → 540), else the
 * stored image id (SHA-256), which COCO tools accept as long as the ground truth uses the same.
 */
export function cocoImageId(image: Pick<ImageRecord, 'filename' | 'image_id'>): number | string {
  const match = /^0*(\d{1,12})\.(?:jpe?g|png|webp)$/i.exec(image.filename);
  return match ? Number(match[1]) : image.image_id;
}

/**
 * The detections as a COCO results file (`[{image_id, category_id, bbox: [x, y, width, height], score}]`), as
 * pycocotools' `loadRes` and `pnpm eval` read it. COCO labels get COCO's category ids; other models' labels
 * their class id.
 */
export function cocoResults(
  image: Pick<ImageRecord, 'filename' | 'image_id'>,
  detections: readonly ObjectDetails[],
) {
  const imageId = cocoImageId(image);
  return detections.map(({ bbox: [x1, y1, x2, y2], label, class_id, score }) => ({
    image_id: imageId,
    category_id: COCO_CATEGORY_IDS.get(label) ?? class_id,
    bbox: [x1, y1, x2 - x1, y2 - y1],
    score,
  }));
}

/** `street.jpg`, `coco-results.json` → `street.coco-results.json`. */
export function exportFileName(filename: string, suffix: string): string {
  const base = filename.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[^\w.-]+/g, '_') || 'image';
  return `${base}.${suffix}`;
}

/** Objects that still lack the fields only `GET /images/{id}/objects/{object_id}` gives. */
export function missingDetails(objects: readonly DetectedObject[]): DetectedObject[] {
  return objects.filter(
    (object) => object.centroid === undefined || object.radius === undefined || object.class_id === undefined,
  );
}
