import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Box, shippedPhoto, shippedPhotos } from './shipped-photos.js';
import { type TestImage, testImages } from './test-images.js';

let images: TestImage[];
beforeAll(async () => {
  images = await testImages();
});

/** An 8x8 grey thumbnail of a box of an image, turned as `turn` says (to undo a derivation's flip/rotation). */
async function thumbnail(
  input: string | Buffer,
  [x1, y1, x2, y2]: Box,
  turn: 'none' | 'flop' | 'rotate' = 'none',
) {
  const left = Math.round(x1);
  const top = Math.round(y1);
  let region = sharp(input).extract({
    left,
    top,
    width: Math.max(1, Math.round(x2) - left),
    height: Math.max(1, Math.round(y2) - top),
  });
  region = sharp(await region.toBuffer());
  if (turn === 'flop') region = region.flop();
  if (turn === 'rotate') region = region.rotate(90);
  return region.resize(8, 8, { fit: 'fill' }).grayscale().raw().toBuffer();
}

const boxArea = ([x1, y1, x2, y2]: Box) => (x2 - x1) * (y2 - y1);
const meanAbsoluteDifference = (a: Buffer, b: Buffer) =>
  a.reduce((sum, value, i) => sum + Math.abs(value - b[i]!), 0) / a.length;

describe('testImages', () => {
  it('Should give 64 distinct images whose bytes decode to the stated size and format', async () => {
    expect(images).toHaveLength(64);
    expect(new Set(images.map((image) => image.name)).size).toBe(64);
    for (const image of images) {
      const metadata = await sharp(image.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height], image.name).toEqual([
        image.format,
        image.width,
        image.height,
      ]);
      if (image.kind === 'grayscale') expect(metadata.channels, image.name).toBe(1);
      for (const photo of image.photos) expect(shippedPhoto(photo).name).toBe(photo);
    }
  });

  it('Should vary shape, size, colour and format: portrait and landscape, small and large, grey, PNG and WebP', () => {
    const count = (test: (image: TestImage) => boolean) => images.filter(test).length;
    expect(count((image) => image.kind === 'shipped')).toBe(shippedPhotos.length);
    expect(count((image) => image.height > image.width)).toBeGreaterThanOrEqual(10);
    expect(count((image) => image.width >= 2.5 * image.height)).toBeGreaterThanOrEqual(4);
    expect(count((image) => Math.max(image.width, image.height) <= 224)).toBeGreaterThanOrEqual(4);
    expect(count((image) => Math.max(image.width, image.height) >= 1280)).toBeGreaterThanOrEqual(4);
    expect(count((image) => image.kind === 'grayscale')).toBeGreaterThanOrEqual(4);
    expect(count((image) => image.format === 'png')).toBeGreaterThanOrEqual(4);
    expect(count((image) => image.format === 'webp')).toBeGreaterThanOrEqual(4);
    expect(count((image) => image.kind === 'collage')).toBe(4);
    expect(images.reduce((sum, image) => sum + image.objects.length, 0)).toBeGreaterThan(300);
  });

  it('Should keep every box inside its image and collages whole: all objects of every photo in them', () => {
    for (const image of images) {
      for (const { box } of image.objects) {
        expect(box[0]).toBeGreaterThanOrEqual(0);
        expect(box[1]).toBeGreaterThanOrEqual(0);
        expect(box[2]).toBeLessThanOrEqual(image.width);
        expect(box[3]).toBeLessThanOrEqual(image.height);
        expect(box[2]).toBeGreaterThan(box[0]);
        expect(box[3]).toBeGreaterThan(box[1]);
      }
      if (image.kind === 'collage')
        expect(image.objects).toHaveLength(
          image.photos.reduce((sum, photo) => sum + shippedPhoto(photo).objects.length, 0),
        );
    }
  });

  it('Should move each box with its object: the same pixels in the photo and in the derived image', async () => {
    // Grey 8x8 thumbnails of a box differ by 0-13 levels (resampling, JPEG) where the box is right, by 10-70
    // where it is a third of its width off.
    const differences: number[] = [];
    const derived = images.filter((image) => image.photos.length === 1 && image.kind !== 'shipped');
    for (const image of derived) {
      const photo = shippedPhoto(image.photos[0]!);
      // When no object was left out they keep their order; compare the boxes no edge cut, of 40x40 px or more.
      if (image.objects.length !== photo.objects.length) continue;
      const turn = image.kind === 'mirrored' ? 'flop' : image.kind === 'rotated' ? 'rotate' : 'none';
      for (const [index, object] of image.objects.entries()) {
        const original = photo.objects[index]!;
        const [x1, y1, x2, y2] = object.box;
        const cut = x1 <= 0 || y1 <= 0 || x2 >= image.width || y2 >= image.height;
        if (object.crowd || cut || Math.min(boxArea(object.box), boxArea(original.box)) < 1600) continue;
        const expected = await thumbnail(photo.file, original.box, turn);
        const difference = meanAbsoluteDifference(await thumbnail(image.bytes, object.box), expected);
        expect(difference, `${image.name} object ${index}`).toBeLessThan(15);
        differences.push(difference);
      }
    }
    expect(differences.length).toBeGreaterThan(50);
    expect(differences.reduce((sum, value) => sum + value, 0) / differences.length).toBeLessThan(5);
  });
});
