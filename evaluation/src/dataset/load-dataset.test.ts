import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxIou } from '../metrics/box-iou.js';
import { DatasetError } from './dataset.js';
import { loadDataset } from './load-dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cocoSample = path.resolve(here, '../../../../shared/datasets/coco-sample');
const shippedDataset = path.resolve(here, '../../dataset');

describe('loadDataset', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'eval-dataset-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('Should read the COCO sample in COCO format (preferred over its YOLO labels), crowd regions included', async () => {
    const dataset = await loadDataset(cocoSample);
    expect(dataset.format).toBe('coco');
    expect(dataset.images).toHaveLength(64);
    expect(dataset.categories).toHaveLength(80);
    expect(dataset.annotations.filter((a) => a.iscrowd)).toHaveLength(7);
    expect(dataset.annotations.filter((a) => !a.iscrowd)).toHaveLength(423);
    expect(dataset.images.map((image) => image.id)).toEqual(
      [...dataset.images.map((image) => image.id)].sort((a, b) => a - b),
    );
  });

  it('Should read the same photos in YOLO format with the same boxes, in pixels, as the COCO annotations', async () => {
    const [coco, yolo] = await Promise.all([
      loadDataset(cocoSample, 'coco'),
      loadDataset(cocoSample, 'yolo'),
    ]);
    expect(yolo.format).toBe('yolo');
    expect(yolo.images).toHaveLength(64);
    expect(yolo.categories[0]).toEqual({ id: 0, name: 'person' });
    expect(yolo.annotations).toHaveLength(423);
    const cocoByFile = new Map(coco.images.map((image) => [image.fileName, image]));
    for (const image of yolo.images) {
      const twin = cocoByFile.get(image.fileName)!;
      expect([image.width, image.height]).toEqual([twin.width, twin.height]);
      const cocoBoxes = coco.annotations.filter((a) => a.imageId === twin.id && !a.iscrowd);
      for (const box of yolo.annotations.filter((a) => a.imageId === image.id)) {
        const best = Math.max(...cocoBoxes.map((c) => boxIou(box.bbox, c.bbox)));
        expect(best).toBeGreaterThan(0.999);
      }
    }
  });

  it('Should read the dataset this repository ships: 20 redistributable COCO photos', async () => {
    const dataset = await loadDataset(shippedDataset);
    expect(dataset.format).toBe('coco');
    expect(dataset.images).toHaveLength(20);
    expect(dataset.annotations).toHaveLength(93);
  });

  it('Should read YOLO segment lines as the box around the polygon and images without labels as empty', async () => {
    const root = path.join(scratch, 'yolo-segments');
    await mkdir(path.join(root, 'images'), { recursive: true });
    await mkdir(path.join(root, 'labels'), { recursive: true });
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#777' } })
      .png()
      .toBuffer();
    await writeFile(path.join(root, 'images', 'a.png'), png);
    await writeFile(path.join(root, 'images', 'b.png'), png);
    await writeFile(path.join(root, 'labels', 'a.txt'), '1 0.1 0.2 0.5 0.2 0.3 0.8\n\n0 0.5 0.5 0.2 0.4\n');
    await writeFile(path.join(root, 'names.txt'), 'cat\ndog\n');
    const dataset = await loadDataset(root);
    expect(dataset.images.map((image) => [image.id, image.fileName, image.width, image.height])).toEqual([
      [1, 'a.png', 200, 100],
      [2, 'b.png', 200, 100],
    ]);
    expect(
      dataset.annotations.map((a) => [a.categoryId, a.bbox.map((v) => Math.round(v * 1000) / 1000)]),
    ).toEqual([
      [1, [20, 20, 80, 60]],
      [0, [80, 30, 40, 40]],
    ]);
  });

  it.each([
    ['a folder that does not exist', 'missing', {}, /does not exist/],
    [
      'a folder in neither format',
      'empty',
      { 'readme.txt': 'x' },
      /neither a COCO dataset .* nor a YOLO one/,
    ],
    ['instances.json that is not JSON', 'bad-json', { 'instances.json': '{' }, /not readable JSON/],
    [
      'instances.json without categories',
      'no-categories',
      { 'instances.json': '{"images":[],"annotations":[],"categories":[]}' },
      /categories/,
    ],
    [
      'an annotation of an unlisted image',
      'orphan',
      {
        'instances.json': JSON.stringify({
          images: [],
          annotations: [{ id: 1, image_id: 5, category_id: 1, bbox: [0, 0, 1, 1] }],
          categories: [{ id: 1, name: 'x' }],
        }),
      },
      /refers to image 5/,
    ],
    [
      'listed images that are missing',
      'missing-images',
      {
        'instances.json': JSON.stringify({
          images: [{ id: 1, file_name: 'gone.jpg', width: 10, height: 10 }],
          annotations: [],
          categories: [{ id: 1, name: 'x' }],
        }),
      },
      /1 image\(s\) listed .* gone\.jpg/,
    ],
    [
      'a YOLO label with a class beyond names.txt',
      'yolo-class',
      { 'names.txt': 'a\n', 'labels/x.txt': '3 0.5 0.5 0.1 0.1' },
      /class 3 is not in names\.txt/,
    ],
    [
      'a YOLO label line of the wrong length',
      'yolo-line',
      { 'names.txt': 'a\n', 'labels/x.txt': '0 0.5 0.5' },
      /x\.txt:1: expected "class cx cy w h"/,
    ],
    [
      'a YOLO dataset without names.txt',
      'yolo-names',
      { 'labels/x.txt': '0 0.5 0.5 0.1 0.1' },
      /needs .*names\.txt/,
    ],
  ])('Should reject %s with a clear message', async (_what, name, files, message) => {
    const root = path.join(scratch, name);
    if (name !== 'missing') {
      await mkdir(root, { recursive: true });
      if (name.startsWith('yolo')) {
        await mkdir(path.join(root, 'images'), { recursive: true });
        await mkdir(path.join(root, 'labels'), { recursive: true });
        await writeFile(
          path.join(root, 'images', 'x.png'),
          await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
            .png()
            .toBuffer(),
        );
      }
      for (const [file, content] of Object.entries(files)) await writeFile(path.join(root, file), content);
    }
    const attempt = loadDataset(root);
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(message);
  });
});
