import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { CocoBox } from '../../src/dataset/dataset.js';
import type { CocoInstancesFile } from './coco-files.js';

/** The variants made of each photo: as is, mirrored, the centre 80 %, both. */
const VARIANTS = [
  { name: 'orig', flip: false, crop: false },
  { name: 'flip', flip: true, crop: false },
  { name: 'crop', flip: false, crop: true },
  { name: 'flipcrop', flip: true, crop: true },
] as const;

/**
 * Writes a COCO dataset of `count` images made from a COCO dataset's photos (the shipped 20) by mirroring and
 * cropping, with the annotations moved to match: a box cut by the crop keeps its visible part when at least half
 * of it is visible (its area scaled by the visible share), else it is dropped. Returns the instances written.
 */
export async function writeAugmentedDataset(
  source: string,
  target: string,
  count: number,
): Promise<CocoInstancesFile> {
  const original = JSON.parse(
    await readFile(path.join(source, 'instances.json'), 'utf8'),
  ) as CocoInstancesFile;
  await mkdir(path.join(target, 'images'), { recursive: true });
  const result: CocoInstancesFile = { categories: original.categories, images: [], annotations: [] };
  for (let i = 0; i < count; i++) {
    const photo = original.images[i % original.images.length]!;
    const variant = VARIANTS[Math.floor(i / original.images.length) % VARIANTS.length]!;
    const [W, H] = [photo.width, photo.height];
    const crop = variant.crop
      ? {
          left: Math.round(W * 0.1),
          top: Math.round(H * 0.1),
          width: Math.round(W * 0.8),
          height: Math.round(H * 0.8),
        }
      : { left: 0, top: 0, width: W, height: H };
    const fileName = `${String(i + 1).padStart(3, '0')}-${variant.name}-${photo.file_name}`;
    let image = sharp(path.join(source, 'images', photo.file_name)).autoOrient();
    if (variant.flip) image = image.flop();
    if (variant.crop) image = image.extract(crop);
    await image.jpeg({ quality: 90 }).toFile(path.join(target, 'images', fileName));
    const id = i + 1;
    result.images.push({ id, file_name: fileName, width: crop.width, height: crop.height });

    for (const annotation of original.annotations.filter((a) => a.image_id === photo.id)) {
      const [x, y, w, h] = annotation.bbox;
      const left = (variant.flip ? W - x - w : x) - crop.left;
      const top = y - crop.top;
      const x1 = Math.max(0, left);
      const y1 = Math.max(0, top);
      const x2 = Math.min(crop.width, left + w);
      const y2 = Math.min(crop.height, top + h);
      if (x2 <= x1 || y2 <= y1) continue;
      const visible = ((x2 - x1) * (y2 - y1)) / (w * h);
      if (visible < 0.5 && !annotation.iscrowd) continue;
      result.annotations.push({
        id: result.annotations.length + 1,
        image_id: id,
        category_id: annotation.category_id,
        bbox: [x1, y1, x2 - x1, y2 - y1].map((v) => Math.round(v * 100) / 100) as unknown as CocoBox,
        area: annotation.area * visible,
        iscrowd: annotation.iscrowd,
      });
    }
  }
  await writeFile(path.join(target, 'instances.json'), JSON.stringify(result));
  return result;
}
