import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cocoCategories } from './shipped-photos.js';
import type { TestImage } from './test-images.js';

const round = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * Writes test images as a dataset folder, the way the evaluation reads one: `images/` plus COCO annotations
 * (`instances.json`, image ids in order from 1, crowd regions kept) and/or YOLO labels (`labels/*.txt` and
 * `names.txt`, class = index in COCO's category list, 6 decimals like Ultralytics' converter, crowds left out).
 */
export async function writeDataset(
  root: string,
  images: readonly TestImage[],
  formats: { coco?: boolean; yolo?: boolean },
): Promise<void> {
  await mkdir(path.join(root, 'images'), { recursive: true });
  await Promise.all(images.map((image) => writeFile(path.join(root, 'images', image.name), image.bytes)));
  const categoryIds = new Map(cocoCategories.map((category) => [category.name, category.id]));
  if (formats.coco) {
    let annotationId = 0;
    const instances = {
      images: images.map((image, index) => ({
        id: index + 1,
        file_name: image.name,
        width: image.width,
        height: image.height,
      })),
      annotations: images.flatMap((image, index) =>
        image.objects.map(({ label, box: [x1, y1, x2, y2], area, crowd }) => ({
          id: ++annotationId,
          image_id: index + 1,
          category_id: categoryIds.get(label)!,
          bbox: [x1, y1, x2 - x1, y2 - y1].map(round),
          area: round(area),
          iscrowd: crowd ? 1 : 0,
        })),
      ),
      categories: cocoCategories,
    };
    await writeFile(path.join(root, 'instances.json'), JSON.stringify(instances));
  }
  if (formats.yolo) {
    const names = cocoCategories.map((category) => category.name);
    await writeFile(path.join(root, 'names.txt'), `${names.join('\n')}\n`);
    await mkdir(path.join(root, 'labels'), { recursive: true });
    for (const image of images) {
      const lines = image.objects
        .filter((object) => !object.crowd)
        .map(({ label, box: [x1, y1, x2, y2] }) =>
          [
            names.indexOf(label),
            ...[(x1 + x2) / 2 / image.width, (y1 + y2) / 2 / image.height].map((v) => v.toFixed(6)),
            ...[(x2 - x1) / image.width, (y2 - y1) / image.height].map((v) => v.toFixed(6)),
          ].join(' '),
        );
      const stem = image.name.replace(/\.[^.]+$/, '');
      await writeFile(path.join(root, 'labels', `${stem}.txt`), lines.map((line) => `${line}\n`).join(''));
    }
  }
}
