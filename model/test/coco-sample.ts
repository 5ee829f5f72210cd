import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** `../shared` beside the repository holds the COCO sample; it is read in place, never copied. */
export const SHARED_DIR = fileURLToPath(new URL('../../../shared', import.meta.url));
export const COCO_SAMPLE_DIR = path.join(SHARED_DIR, 'datasets/coco-sample');

export function cocoSampleImages(): string[] {
  const directory = path.join(COCO_SAMPLE_DIR, 'images');
  return readdirSync(directory)
    .filter((file) => file.endsWith('.jpg'))
    .sort()
    .map((file) => path.join(directory, file));
}

/**
 * RGB pixels of a photo stretched to size x size (aspect ratio not kept, like the reference library). sharp's
 * linear kernel is not TensorFlow's resizeBilinear; parity tests only need the same pixels fed to both models.
 */
export async function stretchedPixels(file: string, size: number): Promise<Uint8Array> {
  const { data } = await sharp(file)
    .rotate()
    .removeAlpha()
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
