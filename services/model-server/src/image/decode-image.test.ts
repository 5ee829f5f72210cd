import { readFile } from 'node:fs/promises';
import { shippedPhotos } from '@detection/test-data';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, PayloadTooLargeError } from '../errors.js';
import { decodeImage } from './decode-image.js';
import { describesSrgb } from './icc-profile.js';
import { sniffImageFormat } from './image-format.js';

const LIMIT = { maxPixels: 10_000_000 };

/** A 40x20 image: left half red, right half blue. */
async function halves() {
  const left = await sharp({
    create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } },
  })
    .png()
    .toBuffer();
  return sharp({
    create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 255 } },
  }).composite([{ input: left, left: 0, top: 0 }]);
}

const pixelAt = (image: { width: number; pixels: Uint8Array }, x: number, y: number) =>
  Array.from(image.pixels.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe('sniffImageFormat', () => {
  it.each([
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['webp', [...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')]],
    [null, [...Buffer.from('GIF89a')]],
    [null, [...Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')]],
    [null, [0xff, 0xd8]],
    [null, []],
  ] as const)('Should recognise %s', (format, bytes) => {
    expect(sniffImageFormat(Uint8Array.from(bytes))).toBe(format);
  });
});

describe('decodeImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('Should decode %s to 8-bit RGB at full size', async (format) => {
    const bytes = await (await halves())
      .toFormat(format, { quality: 100, lossless: format === 'webp' })
      .toBuffer();
    const image = await decodeImage(bytes, LIMIT);
    expect([image.format, image.width, image.height, image.pixels.length]).toEqual([
      format,
      40,
      20,
      40 * 20 * 3,
    ]);
    expect(pixelAt(image, 5, 10)[0]).toBeGreaterThan(240);
    expect(pixelAt(image, 35, 10)[2]).toBeGreaterThan(240);
  });

  it('Should apply EXIF orientation before anything else (orientation 6 = rotate 90° clockwise)', async () => {
    const bytes = await (await halves()).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(bytes, LIMIT);
    expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([20, 40, 20, 40]);
    expect(pixelAt(image, 10, 5)[0]).toBeGreaterThan(240); // red moved to the top
    expect(pixelAt(image, 10, 35)[2]).toBeGreaterThan(240);
  });

  it('Should drop alpha and expand grey and 16-bit images to 8-bit RGB', async () => {
    const rgba = await sharp({
      create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const grey16 = await sharp({
      create: { width: 3, height: 2, channels: 3, background: { r: 200, g: 200, b: 200 } },
    })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect(Array.from((await decodeImage(rgba, LIMIT)).pixels.subarray(0, 3))).toEqual([10, 20, 30]);
    const grey = await decodeImage(grey16, LIMIT);
    expect([grey.pixels.length, ...grey.pixels.subarray(0, 3)]).toEqual([18, 200, 200, 200]);
  });

  it('Should resize with the cubic kernel while decoding when asked', async () => {
    const bytes = await (await halves()).png().toBuffer();
    const image = await decodeImage(bytes, {
      ...LIMIT,
      cubicResize: (w, h) => ({ width: w / 2, height: h / 2 }),
    });
    expect([image.width, image.height, image.originalWidth, image.originalHeight]).toEqual([20, 10, 40, 20]);
  });

  it.each([
    ['an empty body', new Uint8Array(0), /empty/],
    ['text', Buffer.from('hello, not an image'), /not a JPEG, PNG or WebP/],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00'), /not a JPEG, PNG or WebP/],
    [
      'a JPEG header only',
      Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
      /JPEG image cannot be decoded/,
    ],
  ])('Should refuse %s with a 400', async (_, bytes, message) => {
    const error = await decodeImage(bytes, LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
  });

  it.each(['jpeg', 'png', 'webp'] as const)('Should refuse a truncated %s with a 400', async (format) => {
    const bytes = await noisyImage(format);
    const error = await decodeImage(bytes.subarray(0, Math.floor(bytes.length * 0.6)), LIMIT).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
  });

  it('Should refuse a JPEG cut short even with an end-of-image marker appended (libjpeg would fill it with grey)', async () => {
    const jpeg = await noisyImage('jpeg');
    const cut = Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), Buffer.from([0xff, 0xd9])]);
    const error = await decodeImage(cut, LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/JPEG image cannot be decoded: .*premature end of data segment/);
  });

  it.each([
    ['two stray bytes (FF DA)', Buffer.from([0xff, 0xda])],
    ['a megabyte of other data (as a Motion Photo carries its video)', Buffer.alloc(1 << 20, 0x5a)],
  ])('Should decode a complete JPEG followed by %s', async (_, trailer) => {
    const jpeg = await noisyImage('jpeg');
    const decoded = await decodeImage(Buffer.concat([jpeg, trailer]), LIMIT);
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
  });

  it('Should convert embedded profiles other than sRGB to sRGB, and take pixels tagged sRGB as they are', async () => {
    const kinds = { none: 0, srgb: 0, other: 0 };
    for (const photo of shippedPhotos) {
      const bytes = await readFile(photo.file);
      const { icc } = await sharp(bytes).metadata();
      // libvips with its default colour management: every embedded profile converted to sRGB.
      const converted = await sharp(bytes, { autoOrient: true })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer();
      const image = await decodeImage(bytes, LIMIT);
      let largest = 0;
      for (let i = 0; i < converted.length; i++)
        largest = Math.max(largest, Math.abs((converted[i] as number) - (image.pixels[i] as number)));
      const kind = !icc ? 'none' : describesSrgb(icc) ? 'srgb' : 'other';
      kinds[kind]++;
      // sRGB to sRGB through lcms is an identity up to rounding: one level at most.
      expect(largest, photo.name).toBeLessThanOrEqual(kind === 'srgb' ? 1 : 0);
    }
    // The shipped photos hold all three cases (Adobe RGB and camera profiles among the others).
    expect(Math.min(kinds.none, kinds.srgb, kinds.other)).toBeGreaterThan(0);
  });

  it('Should refuse an image over the pixel limit with a 413, without decoding it', async () => {
    const bytes = await sharp({ create: { width: 400, height: 300, channels: 3, background: 'white' } })
      .png()
      .toBuffer();
    const error = await decodeImage(bytes, { maxPixels: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toBe('the image is 400x300 = 120000 pixels, over the limit of 100000');
  });
});

function noisyImage(format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  const pixels = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256));
  return sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}
