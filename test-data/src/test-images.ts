import { readFile } from 'node:fs/promises';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { type Box, type LabelledObject, type ShippedPhoto, shippedPhotos } from './shipped-photos.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** A test image with its ground truth: a shipped photo, or one generated from shipped photos. */
export interface TestImage {
  /** A file name that says what the image is: `000000000086.jpg`, `mirrored-000000000086.jpg`, `collage-1.jpg`. */
  name: string;
  /** `shipped`, a derivation (`mirrored`, `grayscale`, `cropped`, `small`, `large`, `rotated`, `strip`, `low-quality`) or `collage`. */
  kind: string;
  /** The shipped photos it shows. */
  photos: string[];
  bytes: Buffer;
  format: ImageFormat;
  width: number;
  height: number;
  /** The photos' COCO objects carried through the derivation; objects less than half visible are left out. */
  objects: LabelledObject[];
}

/** Where an object must stay at least this visible (clipped area / area) to stay in the ground truth. */
const MIN_VISIBLE = 0.5;

const boxArea = ([x1, y1, x2, y2]: Box) => Math.max(0, x2 - x1) * Math.max(0, y2 - y1);

/** The objects after a geometric map into a width x height image: clipped to it, areas scaled alike. */
function mapObjects(
  objects: readonly LabelledObject[],
  map: (box: Box) => Box,
  width: number,
  height: number,
): LabelledObject[] {
  return objects.flatMap((object) => {
    const mapped = map(object.box);
    const clipped: Box = [
      Math.max(0, mapped[0]),
      Math.max(0, mapped[1]),
      Math.min(width, mapped[2]),
      Math.min(height, mapped[3]),
    ];
    const [before, after, clippedArea] = [boxArea(object.box), boxArea(mapped), boxArea(clipped)];
    if (after === 0 || clippedArea / after < MIN_VISIBLE) return [];
    const scale = before === 0 ? 1 : clippedArea / before;
    return [{ ...object, box: clipped, area: object.area * scale }];
  });
}

const scaleBox =
  (sx: number, sy: number, dx = 0, dy = 0) =>
  ([x1, y1, x2, y2]: Box): Box => [x1 * sx + dx, y1 * sy + dy, x2 * sx + dx, y2 * sy + dy];

interface Derived {
  pipeline: Sharp;
  format: ImageFormat;
  width: number;
  height: number;
  map: (box: Box) => Box;
}

/** One photo turned into another test image; every derivation is a plain geometric or tonal change. */
const derivations: Record<string, (photo: ShippedPhoto) => Derived> = {
  mirrored: ({ file, width, height }) => ({
    pipeline: sharp(file).flop().jpeg({ quality: 90 }),
    format: 'jpeg',
    width,
    height,
    map: ([x1, y1, x2, y2]) => [width - x2, y1, width - x1, y2],
  }),
  grayscale: ({ file, width, height }) => ({
    pipeline: sharp(file).toColourspace('b-w').jpeg({ quality: 90 }),
    format: 'jpeg',
    width,
    height,
    map: (box) => box,
  }),
  cropped: ({ file, width, height }) => {
    const [left, top] = [Math.round(width * 0.15), Math.round(height * 0.15)];
    const [cropWidth, cropHeight] = [Math.round(width * 0.7), Math.round(height * 0.7)];
    return {
      pipeline: sharp(file)
        .extract({ left, top, width: cropWidth, height: cropHeight })
        .jpeg({ quality: 90 }),
      format: 'jpeg',
      width: cropWidth,
      height: cropHeight,
      map: scaleBox(1, 1, -left, -top),
    };
  },
  small: ({ file, width, height }) => {
    const scale = 224 / Math.max(width, height);
    const [smallWidth, smallHeight] = [Math.round(width * scale), Math.round(height * scale)];
    return {
      pipeline: sharp(file).resize(smallWidth, smallHeight, { fit: 'fill' }).jpeg({ quality: 90 }),
      format: 'jpeg',
      width: smallWidth,
      height: smallHeight,
      map: scaleBox(smallWidth / width, smallHeight / height),
    };
  },
  large: ({ file, width, height }) => ({
    pipeline: sharp(file)
      .resize(width * 2, height * 2, { fit: 'fill' })
      .jpeg({ quality: 85 }),
    format: 'jpeg',
    width: width * 2,
    height: height * 2,
    map: scaleBox(2, 2),
  }),
  rotated: ({ file, width, height }) => ({
    // A quarter turn clockwise: portrait photos become landscape and the other way round.
    pipeline: sharp(file).rotate(90).png(),
    format: 'png',
    width: height,
    height: width,
    map: ([x1, y1, x2, y2]) => [height - y2, x1, height - y1, x2],
  }),
  strip: ({ file, width, height }) => {
    // A panorama-like band across the middle, three times as wide as high.
    const bandHeight = Math.min(height, Math.round(width / 3));
    const top = Math.round((height - bandHeight) / 2);
    return {
      pipeline: sharp(file).extract({ left: 0, top, width, height: bandHeight }).webp({ quality: 85 }),
      format: 'webp',
      width,
      height: bandHeight,
      map: scaleBox(1, 1, 0, -top),
    };
  },
  'low-quality': ({ file, width, height }) => ({
    pipeline: sharp(file).jpeg({ quality: 15 }),
    format: 'jpeg',
    width,
    height,
    map: (box) => box,
  }),
};

const derivationKinds = Object.keys(derivations);
const extensions: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

async function derive(photo: ShippedPhoto, kind: string): Promise<TestImage> {
  const derived = derivations[kind]!(photo);
  return {
    name: `${kind}-${photo.name.replace(/\.jpg$/, '')}.${extensions[derived.format]}`,
    kind,
    photos: [photo.name],
    bytes: await derived.pipeline.toBuffer(),
    format: derived.format,
    width: derived.width,
    height: derived.height,
    objects: mapObjects(photo.objects, derived.map, derived.width, derived.height),
  };
}

/** Photos shrunk into the tiles of a grid (aspect ratio kept, centred on grey): many small objects per image. */
async function collage(name: string, photos: readonly ShippedPhoto[], columns: number, tile: number) {
  const rows = Math.ceil(photos.length / columns);
  const [width, height] = [columns * tile, rows * tile];
  const layers: OverlayOptions[] = [];
  const objects: LabelledObject[] = [];
  for (const [index, photo] of photos.entries()) {
    const scale = Math.min(tile / photo.width, tile / photo.height);
    const [tileWidth, tileHeight] = [Math.round(photo.width * scale), Math.round(photo.height * scale)];
    const left = (index % columns) * tile + Math.floor((tile - tileWidth) / 2);
    const top = Math.floor(index / columns) * tile + Math.floor((tile - tileHeight) / 2);
    layers.push({
      input: await sharp(photo.file).resize(tileWidth, tileHeight, { fit: 'fill' }).toBuffer(),
      left,
      top,
    });
    const map = scaleBox(tileWidth / photo.width, tileHeight / photo.height, left, top);
    objects.push(...mapObjects(photo.objects, map, width, height));
  }
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
  return {
    name,
    kind: 'collage',
    photos: photos.map((photo) => photo.name),
    bytes,
    format: 'jpeg',
    width,
    height,
    objects,
  } satisfies TestImage;
}

async function generate(): Promise<TestImage[]> {
  const shipped = await Promise.all(
    shippedPhotos.map(
      async (photo): Promise<TestImage> => ({
        name: photo.name,
        kind: 'shipped',
        photos: [photo.name],
        bytes: await readFile(photo.file),
        format: 'jpeg',
        width: photo.width,
        height: photo.height,
        objects: photo.objects,
      }),
    ),
  );
  // Each photo gets two different derivations; over the photos every derivation is used about equally.
  const derived: TestImage[] = [];
  for (const [index, photo] of shippedPhotos.entries()) {
    for (const offset of [0, 3])
      derived.push(await derive(photo, derivationKinds[(index + offset) % derivationKinds.length]!));
  }
  const collages = [
    await collage('collage-1.jpg', shippedPhotos.slice(0, 4), 2, 320),
    await collage('collage-2.jpg', shippedPhotos.slice(4, 8), 2, 320),
    await collage('collage-3.jpg', shippedPhotos.slice(8, 12), 2, 320),
    await collage('collage-4.jpg', shippedPhotos.slice(-9), 3, 214),
  ];
  return [...shipped, ...derived, ...collages];
}

let generated: Promise<TestImage[]> | undefined;

/**
 * The 64 test images with their ground truth, generated once per process (deterministic, about a second): the 20
 * shipped photos as they are, two derivations of each (mirrored, grayscale, cropped, 224 px, twice as large,
 * rotated a quarter turn as PNG, a 3:1 band as WebP, JPEG quality 15), and four collages of 4 or 9 photos.
 */
export function testImages(): Promise<TestImage[]> {
  generated ??= generate();
  return generated;
}
