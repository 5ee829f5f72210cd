import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { inputToSourceX, inputToSourceY, planResize, resizeToTensor } from './resize-to-tensor.js';

tf.env().set('PROD', true);
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomImage(width: number, height: number, seed: number) {
  const pixels = new Uint8Array(width * height * 3);
  let state = seed;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    pixels[i] = state % 256;
  }
  return { width, height, pixels };
}

const RGB_0_255 = {
  layout: 'NHWC' as const,
  color_order: 'RGB' as const,
  value_range: [0, 255] as [number, number],
  pad_value: 114,
};

describe('planResize', () => {
  it.each([
    // width, height, target, resize, expected plan fields
    [
      640,
      480,
      512,
      'stretch',
      { scaleX: 0.8, scaleY: 512 / 480, offsetX: 0, offsetY: 0, contentWidth: 512, contentHeight: 512 },
    ],
    [
      640,
      480,
      640,
      'letterbox',
      { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 80, contentWidth: 640, contentHeight: 480 },
    ],
    [
      480,
      640,
      320,
      'letterbox',
      { scaleX: 0.5, scaleY: 0.5, offsetX: 40, offsetY: 0, contentWidth: 240, contentHeight: 320 },
    ],
    [101, 50, 64, 'letterbox', { offsetX: 0, offsetY: 16, contentWidth: 64, contentHeight: 32 }],
    [3, 1000, 64, 'letterbox', { offsetX: 31, offsetY: 0, contentWidth: 1, contentHeight: 64 }],
  ] as const)('Should plan %sx%s into %s (%s)', (width, height, size, resize, expected) => {
    expect(planResize(width, height, { width: size, height: size, resize })).toMatchObject(expected);
  });

  it('Should map input coordinates back to source pixels for both modes', () => {
    const stretch = planResize(640, 480, { width: 512, height: 512, resize: 'stretch' });
    expect([inputToSourceX(stretch, 256), inputToSourceY(stretch, 512)]).toEqual([320, 480]);
    const letterbox = planResize(480, 640, { width: 320, height: 320, resize: 'letterbox' });
    expect([
      inputToSourceX(letterbox, 40),
      inputToSourceX(letterbox, 280),
      inputToSourceY(letterbox, 160),
    ]).toEqual([0, 480, 320]);
  });
});

describe('resizeToTensor (stretch) reproduces tf.image.resizeBilinear of the reference library', () => {
  it.each([
    [640, 480, 512, 512],
    [333, 517, 256, 256],
    [17, 9, 64, 48],
    [1, 1, 8, 8],
    [512, 512, 512, 512],
  ])('Should equal TensorFlow.js bit for bit: %sx%s → %sx%s', (width, height, outWidth, outHeight) => {
    const image = randomImage(width, height, width * 31 + height);
    const plan = planResize(width, height, { width: outWidth, height: outHeight, resize: 'stretch' });
    const ours = resizeToTensor(image, RGB_0_255, plan, {
      interpolation: 'bilinear',
      halfPixelCenters: false,
    });
    const reference = tf.tidy(() =>
      tf.image
        .resizeBilinear(tf.tensor4d(Int32Array.from(image.pixels), [1, height, width, 3], 'int32'), [
          outHeight,
          outWidth,
        ])
        .dataSync(),
    );
    expect(ours.length).toBe(reference.length);
    expect(Array.from(ours)).toEqual(Array.from(reference));
  });

  it('Should equal TensorFlow.js half-pixel bilinear (letterbox sampling) and nearest neighbour', () => {
    const image = randomImage(97, 61, 7);
    const plan = planResize(97, 61, { width: 40, height: 30, resize: 'stretch' });
    const half = resizeToTensor(image, RGB_0_255, plan, {
      interpolation: 'bilinear',
      halfPixelCenters: true,
    });
    const nearest = resizeToTensor(image, RGB_0_255, plan, {
      interpolation: 'nearest',
      halfPixelCenters: false,
    });
    const input = tf.tensor4d(Int32Array.from(image.pixels), [1, 61, 97, 3], 'int32');
    const expectedHalf = tf.image.resizeBilinear(input, [30, 40], false, true).dataSync();
    const expectedNearest = tf.image.resizeNearestNeighbor(input, [30, 40]).dataSync();
    for (let i = 0; i < half.length; i++) expect(half[i]).toBeCloseTo(expectedHalf[i]!, 3);
    expect(Array.from(nearest)).toEqual(Array.from(expectedNearest));
    input.dispose();
  });
});

describe('resizeToTensor layout, colour order and value range', () => {
  const image = { width: 2, height: 1, pixels: Uint8Array.from([0, 128, 255, 10, 20, 30]) };
  const identity = planResize(2, 1, { width: 2, height: 1, resize: 'stretch' });
  const sampling = { interpolation: 'bilinear', halfPixelCenters: false } as const;

  const cases: Array<[string, typeof RGB_0_255 | Record<string, unknown>, number[]]> = [
    ['NHWC RGB 0..255', RGB_0_255, [0, 128, 255, 10, 20, 30]],
    ['NHWC BGR 0..255', { ...RGB_0_255, color_order: 'BGR' }, [255, 128, 0, 30, 20, 10]],
    ['NCHW RGB 0..255', { ...RGB_0_255, layout: 'NCHW' }, [0, 10, 128, 20, 255, 30]],
    [
      'NHWC RGB -1..1 (BlazeFace)',
      { ...RGB_0_255, value_range: [-1, 1] },
      [-1, 128 / 127.5 - 1, 1, 10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1],
    ],
    [
      'NCHW BGR 0..1 (YOLO-style)',
      { ...RGB_0_255, layout: 'NCHW', color_order: 'BGR', value_range: [0, 1] },
      [1, 30 / 255, 128 / 255, 20 / 255, 0, 10 / 255],
    ],
  ];
  it.each(cases)('Should write %s', (_, preprocessing, expected) => {
    const out = resizeToTensor(image, { ...RGB_0_255, ...preprocessing }, identity, sampling);
    expected.forEach((value, i) => {
      expect(out[i]).toBeCloseTo(value, 6);
    });
  });

  it('Should fill letterbox bars with pad_value and put the image in the middle', () => {
    const white = { width: 4, height: 2, pixels: new Uint8Array(4 * 2 * 3).fill(255) };
    const plan = planResize(4, 2, { width: 4, height: 4, resize: 'letterbox' });
    const out = resizeToTensor(white, { ...RGB_0_255, value_range: [0, 1] }, plan, {
      interpolation: 'bilinear',
      halfPixelCenters: true,
    });
    const rows = [0, 1, 2, 3].map((y) => out[(y * 4 + 1) * 3]!);
    expect(rows.map((v) => Math.round(v * 255))).toEqual([114, 255, 255, 114]);
  });
});

describe('resizeToTensor into a reused buffer', () => {
  it.each([
    ['stretch', 'bilinear', false],
    ['letterbox', 'bilinear', true],
    ['stretch', 'nearest', false],
  ] as const)(
    'Should overwrite every element of a buffer holding old values (%s, %s)',
    (resize, interpolation, halfPixelCenters) => {
      const image = randomImage(61, 37, 3);
      const plan = planResize(61, 37, { width: 48, height: 48, resize });
      const sampling = { interpolation, halfPixelCenters };
      const fresh = resizeToTensor(image, RGB_0_255, plan, sampling);
      const reused = resizeToTensor(image, RGB_0_255, plan, sampling, (length) =>
        new Float32Array(length).fill(Number.NaN),
      );
      expect(Array.from(reused)).toEqual(Array.from(fresh));
    },
  );
});
