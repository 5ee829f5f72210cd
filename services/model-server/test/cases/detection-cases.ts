/**
 * Detection quality on real photos, whatever the transport: CenterNet against the COCO ground truth of the
 * photos the evaluation ships, the same pixels as JPEG, PNG and WebP, EXIF orientation, and BlazeFace on the
 * reference library's face screenshot. Registered once per transport by transports.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { iou, readShippedPhoto, type TestImage, testImages } from '@detection/test-data';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OipClient } from '../support/oip-clients.js';
import { FACE_IMAGE } from '../support/repository-files.js';
import { detectionsOf, imageRequest } from './protocol-cases.js';

const persons = (image: TestImage, minArea = 0) =>
  image.objects.filter(
    ({ label, crowd, box: [x1, y1, x2, y2] }) =>
      label === 'person' && !crowd && (x2 - x1) * (y2 - y1) >= minArea,
  );

export function detectionCases(client: () => OipClient): void {
  const detect = async (model: string, image: Uint8Array, parameters: Record<string, string | number> = {}) =>
    detectionsOf(await client().infer(model, imageRequest(image, { parameters, binary: true })));
  const read = async (file: string) => new Uint8Array(await readFile(file));

  describe('CenterNet on the shipped COCO photos and the test images made from them', () => {
    let images: TestImage[];
    beforeAll(async () => {
      images = await testImages();
    });
    const imageNamed = (name: string) => images.find((image) => image.name === name)!;
    const bestIou = (boxes: number[][], box: readonly number[]) =>
      Math.max(0, ...boxes.map((candidate) => iou(candidate, box)));

    it.each([
      '000000000086.jpg',
      '000000000165.jpg',
      '000000000370.jpg',
      '000000000436.jpg',
      'large-000000000165.jpg',
      'mirrored-000000000370.jpg',
      'rotated-000000000436.png',
    ])('Should find every person of %s with a box of IoU >= 0.5 against the ground truth', async (name) => {
      const image = imageNamed(name);
      expect(persons(image).length).toBeGreaterThan(0);
      const detections = await detect('centernet-coco', new Uint8Array(image.bytes), { classes: 'person' });
      for (const person of persons(image))
        expect(bestIou(detections.boxes, person.box)).toBeGreaterThanOrEqual(0.5);
    });

    it('Should find most of the clearly visible persons (area >= 10000 px²) of all 64 test images', async () => {
      let found = 0;
      let total = 0;
      for (const image of images) {
        const large = persons(image, 10_000);
        if (large.length === 0) continue;
        const detections = await detect('centernet-coco', new Uint8Array(image.bytes), { classes: 'person' });
        total += large.length;
        found += large.filter((person) => bestIou(detections.boxes, person.box) >= 0.5).length;
      }
      console.info(`CenterNet over ${client().transport}: ${found}/${total} large persons at IoU >= 0.5`);
      expect(total).toBeGreaterThan(40);
      // 42 of 56 (0.75) when written: people turned a quarter, at JPEG quality 15 or in collages are harder to find.
      expect(found / total).toBeGreaterThanOrEqual(0.7);
    });

    it('Should give identical detections for a JPEG and the same pixels as PNG and lossless WebP', async () => {
      const jpeg = new Uint8Array(readShippedPhoto('000000000389.jpg'));
      const pixels = sharp(jpeg).removeAlpha();
      const png = new Uint8Array(await pixels.clone().png().toBuffer());
      const webp = new Uint8Array(await pixels.clone().webp({ lossless: true }).toBuffer());
      const reference = await detect('centernet-coco', jpeg);
      expect(reference.scores.length).toBeGreaterThan(3);
      expect(await detect('centernet-coco', png)).toEqual(reference);
      expect(await detect('centernet-coco', webp)).toEqual(reference);
    });

    it('Should apply EXIF orientation: boxes are in the pixels of the image as displayed', async () => {
      const original = new Uint8Array(readShippedPhoto('000000000086.jpg'));
      const rotated = new Uint8Array(await sharp(original).rotate(90).jpeg({ quality: 95 }).toBuffer());
      const tagged = new Uint8Array(
        await sharp(original).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
      );
      const upright = await detect('centernet-coco', rotated, { classes: 'person', score_threshold: 0.1 });
      const fromExif = await detect('centernet-coco', tagged, { classes: 'person', score_threshold: 0.1 });
      expect([fromExif.imageWidth, fromExif.imageHeight]).toEqual([640, 512]);
      expect(fromExif.boxes.length).toBeGreaterThan(0);
      expect(iou(fromExif.boxes[0]!, upright.boxes[0]!)).toBeGreaterThan(0.9);
    });
  });

  describe('BlazeFace', () => {
    let screenshot: Uint8Array;
    beforeAll(async () => {
      screenshot = await read(FACE_IMAGE);
    });

    // The five face tiles of the reference library's screenshot (x, y, width, height in the 800x718 image).
    const tiles = [8, 165, 322, 479, 636].map((x) => [x, 345, 150, 150] as const);

    it.each(tiles)(
      'Should find the one face of the tile at x=%i with its keypoints in anatomical order',
      async (left, top, width, height) => {
        const tile = new Uint8Array(
          await sharp(screenshot).extract({ left, top, width, height }).png().toBuffer(),
        );
        const faces = await detect('blazeface', tile);
        expect(faces.scores).toHaveLength(1);
        expect(faces.scores[0]).toBeGreaterThan(0.7);
        const [x1, y1, x2, y2] = faces.boxes[0]!;
        expect((x2! - x1!) * (y2! - y1!)).toBeGreaterThan(0.1 * width * height);
        const [rightEye, leftEye, nose, mouth] = faces.keypoints![0]!;
        for (const [x, y] of [rightEye!, leftEye!, nose!, mouth!]) {
          expect(x! > x1! && x! < x2! && y! > y1! && y! < y2!).toBe(true);
        }
        expect(rightEye![0]).toBeLessThan(leftEye![0]!); // the subject's right eye is on the image's left
        expect(nose![1]).toBeGreaterThan((rightEye![1]! + leftEye![1]!) / 2);
        expect(mouth![1]).toBeGreaterThan(nose![1]!);
      },
    );

    it('Should find the five large faces in the whole screenshot, in original pixels', async () => {
      const faces = await detect('blazeface', screenshot, { score_threshold: 0.5 });
      const matched = tiles.filter(([x, y, w, h]) =>
        faces.boxes.some(([x1, y1, x2, y2]) => {
          const [cx, cy] = [(x1! + x2!) / 2, (y1! + y2!) / 2];
          return cx > x && cx < x + w && cy > y && cy < y + h;
        }),
      );
      expect(matched).toHaveLength(5);
    });
  });
}
