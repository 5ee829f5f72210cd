import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageWithDetectionsSchema } from '@detection/backend/api-schemas';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, ObjectDetails } from '../api/types.js';
import { apiResultJson, COCO_CATEGORY_IDS, cocoImageId, cocoResults, exportFileName } from './exports.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

const image: ImageRecord = {
  image_id: 'a'.repeat(64),
  filename: '000000000540.jpg',
  content_type: 'image/jpeg',
  width: 640,
  height: 425,
  size_bytes: 258373,
  created_at: '2026-01-02T03:04:05.000Z',
  status: 'completed',
  error: null,
  source_url: null,
  model: { name: 'centernet-coco', version: '1' },
  object_count: 1,
  detections: null,
};
const detection: ObjectDetails = {
  object_id: '6f1c2c8e-4d3b-4f0e-9a47-2f6f3b1e8d21',
  bbox: [10, 20, 110, 220],
  centroid: [60, 120],
  radius: 111.8,
  label: 'bus',
  class_id: 5,
  score: 0.8734,
};

describe('exports', () => {
  it("Should export a result in the API's own shape (the backend's ImageWithDetections schema)", () => {
    const json = apiResultJson(image, [detection]);
    expect(ImageWithDetectionsSchema.parse(json)).toEqual(json);
    expect(json.detection).toEqual({ count: 1, detections: [detection] });
  });

  it('Should export COCO results with COCO category ids and [x, y, width, height] boxes', () => {
    expect(cocoResults(image, [detection])).toEqual([
      { image_id: 540, category_id: 6, bbox: [10, 20, 100, 200], score: 0.8734 },
    ]);
    expect(cocoImageId({ filename: 'holiday.jpg', image_id: image.image_id })).toBe(image.image_id);
    expect(cocoResults(image, [{ ...detection, label: 'face', class_id: 0 }])[0]!.category_id).toBe(0);
  });

  it("Should map labels to the category ids of the repository's COCO ground truth", () => {
    const instances = JSON.parse(
      readFileSync(path.join(repoRoot, 'evaluation/dataset/instances.json'), 'utf8'),
    ) as { categories: { id: number; name: string }[] };
    expect(instances.categories.length).toBe(80);
    for (const { id, name } of instances.categories) expect(COCO_CATEGORY_IDS.get(name), name).toBe(id);
  });

  it('Should name downloads after the image', () => {
    expect(exportFileName('street.jpg', 'coco-results.json')).toBe('street.coco-results.json');
    expect(exportFileName('a photo (1).png', 'annotated.png')).toBe('a_photo_1_.annotated.png');
    expect(exportFileName('', 'json')).toBe('image.json');
  });
});
