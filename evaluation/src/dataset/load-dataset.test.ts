import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testImages, writeDataset } from '@detection/test-data';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, DatasetError } from './dataset.js';
import { loadDataset } from './load-dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shippedDataset = path.resolve(here, '../../dataset');

describe('loadDataset', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'eval-dataset-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('Should read the dataset this repository ships in COCO format (preferred over its YOLO labels), crowd regions included', async () => {
    const dataset = await loadDataset(shippedDataset);
    expect(dataset.format).toBe('coco');
    expect(dataset.images).toHaveLength(20);
    expect(dataset.categories).toHaveLength(80);
    expect(dataset.annotations.filter((a) => a.iscrowd)).toHaveLength(2);
    expect(dataset.annotations.filter((a) => !a.iscrowd)).toHaveLength(91);
    expect(dataset.images.map((image) => image.id)).toEqual(
      [...dataset.images.map((image) => image.id)].sort((a, b) => a - b),
    );
  });

  /**
   * Every YOLO box has a COCO twin of the same class on the same image, equal up to the labels' 6-decimal rounding
   * (under 1e-6 of the image size per coordinate), and the image sizes agree.
   */
  async function expectSameBoxes(root: string, images: number, boxes: number) {
    const [coco, yolo] = await Promise.all([loadDataset(root, 'coco'), loadDataset(root, 'yolo')]);
    expect(yolo.format).toBe('yolo');
    expect(yolo.images).toHaveLength(images);
    expect(yolo.categories[0]).toEqual({ id: 0, name: 'person' });
    expect(yolo.annotations).toHaveLength(boxes);
    expect(coco.annotations.filter((a) => !a.iscrowd)).toHaveLength(boxes);
    const nameOf = (dataset: Dataset, id: number) => dataset.categories.find((c) => c.id === id)!.name;
    const corners = ([x, y, w, h]: readonly number[]) => [x!, y!, x! + w!, y! + h!];
    const cocoByFile = new Map(coco.images.map((image) => [image.fileName, image]));
    for (const image of yolo.images) {
      const twin = cocoByFile.get(image.fileName)!;
      expect([image.width, image.height]).toEqual([twin.width, twin.height]);
      const tolerance = 1e-6 * Math.max(image.width, image.height);
      const cocoBoxes = coco.annotations.filter((a) => a.imageId === twin.id && !a.iscrowd);
      for (const box of yolo.annotations.filter((a) => a.imageId === image.id)) {
        const expected = corners(box.bbox);
        const distance = Math.min(
          ...cocoBoxes
            .filter((c) => nameOf(coco, c.categoryId) === nameOf(yolo, box.categoryId))
            .map((c) => Math.max(...corners(c.bbox).map((v, i) => Math.abs(v - expected[i]!)))),
        );
        expect(distance, `${image.fileName}: ${box.bbox}`).toBeLessThanOrEqual(tolerance);
      }
    }
  }

  it('Should read the shipped photos in YOLO format (COCO128’s own labels) with the same boxes, in pixels, as the COCO annotations', async () => {
    await expectSameBoxes(shippedDataset, 20, 91);
  });

  it('Should read the 64 test images (PNG, WebP, grey, 150 to 1280 px) the same in COCO and in YOLO format', async () => {
    const images = await testImages();
    const root = path.join(scratch, 'test-images');
    await writeDataset(root, images, { coco: true, yolo: true });
    const boxes = images.reduce((sum, image) => sum + image.objects.filter((o) => !o.crowd).length, 0);
    expect(boxes).toBeGreaterThan(300);
    await expectSameBoxes(root, 64, boxes);
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
