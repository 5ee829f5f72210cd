import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './processes.js';

/** The 20 redistributable COCO photos shipped in the repository (evaluation/dataset, see its ATTRIBUTION.md). */
export const datasetImagesDir = path.join(repoRoot, 'evaluation/dataset/images');

export function datasetPhotoNames(): string[] {
  return fs
    .readdirSync(datasetImagesDir)
    .filter((name) => name.endsWith('.jpg'))
    .sort();
}

export function datasetPhoto(name: string): Buffer {
  return fs.readFileSync(path.join(datasetImagesDir, name));
}

/** Same pixels, different bytes (so a new image id): a JPEG comment segment inserted after SOI. */
export function jpegVariant(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xfffe, 0);
  marker.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, text, jpeg.subarray(2)]);
}
