import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { type Dataset, DatasetError, type DatasetImage, type GroundTruthAnnotation } from './dataset.js';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff']);

export function isYoloDataset(root: string): boolean {
  return existsSync(path.join(root, 'images')) && existsSync(path.join(root, 'labels'));
}

/** Class names, one per line, from `names.txt` (or `classes.txt`); class id = line index. */
function readClassNames(root: string): string[] {
  const file = ['names.txt', 'classes.txt'].map((name) => path.join(root, name)).find((f) => existsSync(f));
  if (!file)
    throw new DatasetError(`a YOLO dataset needs ${path.join(root, 'names.txt')} (one class name per line)`);
  const names = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length === 0) throw new DatasetError(`${file} lists no class names`);
  return names;
}

/**
 * Reads a YOLO-format dataset (`images/`, `labels/<stem>.txt` with `class cx cy w h` normalised to [0, 1],
 * `names.txt`) into COCO's model: image ids 1..N in file-name order, category id = class index, annotation
 * ids from 1, area = box area. Sizes are the displayed ones (EXIF orientation applied), as YOLO labels them.
 * A segment line (`class x1 y1 x2 y2 …`) counts as the box around its polygon. An image without a label file
 * has no objects.
 */
export async function loadYoloDataset(root: string): Promise<Dataset> {
  const names = readClassNames(root);
  const imageDir = path.join(root, 'images');
  const files = readdirSync(imageDir)
    .filter((name) => IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()))
    .sort();
  if (files.length === 0) throw new DatasetError(`${imageDir} holds no images`);

  const images: DatasetImage[] = [];
  const annotations: GroundTruthAnnotation[] = [];
  for (const [index, fileName] of files.entries()) {
    const imagePath = path.join(imageDir, fileName);
    const { width, height } = await displayedSize(imagePath);
    const image: DatasetImage = { id: index + 1, fileName, path: imagePath, width, height };
    images.push(image);
    const labelFile = path.join(root, 'labels', `${path.parse(fileName).name}.txt`);
    if (!existsSync(labelFile)) continue;
    for (const [lineIndex, line] of readFileSync(labelFile, 'utf8').split(/\r?\n/).entries()) {
      if (line.trim() === '') continue;
      const where = `${labelFile}:${lineIndex + 1}`;
      const { classId, box } = parseLabelLine(line, where);
      if (classId >= names.length)
        throw new DatasetError(`${where}: class ${classId} is not in names.txt (${names.length} classes)`);
      const bbox = [box[0] * width, box[1] * height, box[2] * width, box[3] * height] as const;
      annotations.push({
        id: annotations.length + 1,
        imageId: image.id,
        categoryId: classId,
        bbox,
        area: bbox[2] * bbox[3],
        iscrowd: false,
      });
    }
  }
  return {
    root,
    format: 'yolo',
    images,
    annotations,
    categories: names.map((name, id) => ({ id, name })),
  };
}

async function displayedSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const metadata = await sharp(file).metadata();
    return { width: metadata.autoOrient.width, height: metadata.autoOrient.height };
  } catch (error) {
    throw new DatasetError(`${file} is not a readable image: ${(error as Error).message}`);
  }
}

/** `class cx cy w h`, or a segment `class x1 y1 … xn yn`; returns the box as normalised `[x, y, w, h]`. */
function parseLabelLine(
  line: string,
  where: string,
): { classId: number; box: [number, number, number, number] } {
  const fields = line.trim().split(/\s+/);
  const classId = Number(fields[0]);
  const values = fields.slice(1).map(Number);
  if (!Number.isInteger(classId) || classId < 0)
    throw new DatasetError(`${where}: "${fields[0]}" is not a class id`);
  if (values.some((value) => !Number.isFinite(value)))
    throw new DatasetError(`${where}: coordinates must be numbers`);
  if (values.length === 4) {
    const [cx, cy, w, h] = values as [number, number, number, number];
    if (w < 0 || h < 0) throw new DatasetError(`${where}: negative box size`);
    return { classId, box: [cx - w / 2, cy - h / 2, w, h] };
  }
  if (values.length >= 6 && values.length % 2 === 0) {
    const xs = values.filter((_, i) => i % 2 === 0);
    const ys = values.filter((_, i) => i % 2 === 1);
    const [x1, y1] = [Math.min(...xs), Math.min(...ys)];
    return { classId, box: [x1, y1, Math.max(...xs) - x1, Math.max(...ys) - y1] };
  }
  throw new DatasetError(`${where}: expected "class cx cy w h" or a segment "class x1 y1 x2 y2 …"`);
}
