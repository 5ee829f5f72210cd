import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { repoRoot } from './processes.js';

/** A photo the repository ships (evaluation/dataset/images, CC BY / CC BY-SA / Flickr Commons; see ATTRIBUTION.md). */
export function shippedPhoto(name = '000000000072.jpg'): Buffer {
  return fs.readFileSync(path.join(repoRoot, 'evaluation/dataset/images', name));
}

export interface HostileImage {
  name: string;
  bytes: Buffer;
  format: 'jpeg' | 'png' | 'webp';
  /** What a real decoder does with it: decodes it whole, or cannot. */
  decodes: boolean;
}

const endOfImage = Buffer.from([0xff, 0xd9]);
const cut = (bytes: Buffer, fraction: number) => bytes.subarray(0, Math.floor(bytes.length * fraction));

/** Bytes that look like the MP4 a Motion Photo carries after its JPEG (an `ftyp` box, then filler), `size` long. */
export function motionPhotoTrailer(size: number, seed = 0): Buffer {
  const trailer = Buffer.alloc(size);
  trailer.write('\u0000\u0000\u0000\u0018ftypmp42\u0000\u0000\u0000\u0000mp42isom', 0, 'latin1');
  for (let i = 24; i < size; i += 4096) trailer.writeUInt32BE((i * 2_654_435_761 + seed) >>> 0, i);
  return trailer;
}

/**
 * The review's hostile corpus, made at test time from a shipped photo: complete images with data after their end
 * (which decoders ignore) and images cut short (which they cannot finish), in JPEG, progressive JPEG, PNG and WebP.
 */
export async function hostileCorpus(photo = shippedPhoto()): Promise<HostileImage[]> {
  const progressive = await sharp(photo).jpeg({ progressive: true }).toBuffer();
  const png = await sharp(photo).png().toBuffer();
  const webp = await sharp(photo).webp().toBuffer();
  const scanStart = photo.lastIndexOf(Buffer.from([0xff, 0xda]));
  const corrupted = Buffer.from(photo);
  for (let i = scanStart + 4_000; i < scanStart + 4_200; i += 7) corrupted[i]! ^= 0x55;
  const pngEnd = png.subarray(png.length - 12);
  return [
    { name: 'a JPEG photo', bytes: photo, format: 'jpeg', decodes: true },
    {
      name: 'a JPEG followed by two stray bytes FF DA',
      bytes: Buffer.concat([photo, Buffer.from([0xff, 0xda])]),
      format: 'jpeg',
      decodes: true,
    },
    {
      name: 'a JPEG followed by 4 MB of video (Motion Photo)',
      bytes: Buffer.concat([photo, motionPhotoTrailer(4 << 20)]),
      format: 'jpeg',
      decodes: true,
    },
    { name: 'a progressive JPEG', bytes: progressive, format: 'jpeg', decodes: true },
    { name: 'a PNG', bytes: png, format: 'png', decodes: true },
    {
      name: 'a PNG followed by other data',
      bytes: Buffer.concat([png, motionPhotoTrailer(10_000)]),
      format: 'png',
      decodes: true,
    },
    { name: 'a WebP', bytes: webp, format: 'webp', decodes: true },
    {
      name: 'a WebP followed by other data',
      bytes: Buffer.concat([webp, motionPhotoTrailer(10_000)]),
      format: 'webp',
      decodes: true,
    },
    { name: 'a JPEG cut at 60 %', bytes: cut(photo, 0.6), format: 'jpeg', decodes: false },
    {
      name: 'a JPEG cut at 60 % with FF D9 appended',
      bytes: Buffer.concat([cut(photo, 0.6), endOfImage]),
      format: 'jpeg',
      decodes: false,
    },
    {
      name: 'a progressive JPEG cut at 60 % with FF D9 appended',
      bytes: Buffer.concat([cut(progressive, 0.6), endOfImage]),
      format: 'jpeg',
      decodes: false,
    },
    { name: 'a JPEG with corrupted scan data', bytes: corrupted, format: 'jpeg', decodes: false },
    { name: 'a PNG cut at 60 %', bytes: cut(png, 0.6), format: 'png', decodes: false },
    {
      name: 'a PNG cut at 60 % with its IEND chunk appended',
      bytes: Buffer.concat([cut(png, 0.6), pngEnd]),
      format: 'png',
      decodes: false,
    },
    { name: 'a WebP cut at 60 %', bytes: cut(webp, 0.6), format: 'webp', decodes: false },
  ];
}

/** The entry of the corpus with this name. */
export function pick(corpus: HostileImage[], name: string): HostileImage {
  const found = corpus.find((image) => image.name === name);
  if (!found) throw new Error(`no "${name}" in the hostile corpus`);
  return found;
}
