/**
 * The server's boxes against the reference pipeline of @vladmandic/human 3.3.6 run on the same pixels:
 * its preprocessing (tf.image.resizeBilinear of the decoded frame, BlazeFace's /127.5 - 1), the lead's ONNX
 * models in an onnxruntime session of their own, and its post-processing (tf.image.nonMaxSuppression,
 * class-agnostic, src/object/centernet.ts; anchor decoding of src/face/blazeface.ts).
 */
import path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { shippedPhoto, testImages } from '@detection/test-data';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { jsonOf } from './support/oip-schema.js';
import { FACE_IMAGE, MODEL_REPOSITORY } from './support/repository-files.js';
import { detectionsOf, jsonImageRequest, readImage, startTestServer } from './support/server.js';

tf.env().set('PROD', true);

let server: RunningServer;
const sessions: Record<string, ort.InferenceSession> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  server = await startTestServer();
  for (const name of ['centernet-coco', 'blazeface']) {
    sessions[name] = await ort.InferenceSession.create(path.join(MODEL_REPOSITORY, name, '1', 'model.onnx'), {
      graphOptimizationLevel: 'all',
    });
  }
});
afterAll(async () => {
  for (const session of Object.values(sessions)) await session.release();
});

/** The decoded frame as the reference library receives it: an int32 [1, H, W, 3] tensor. */
async function frame(image: Uint8Array) {
  const { data, info } = await sharp(image, { autoOrient: true })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    input: tf.tensor4d(Int32Array.from(data), [1, info.height, info.width, 3], 'int32'),
    width: info.width,
    height: info.height,
  };
}

const clip = (value: number, max: number) => Math.min(Math.max(value, 0), max);

/** src/object/centernet.ts predict() + process(), with boxRaw scaled to pixels without truncation. */
async function referenceCenternet(
  image: Uint8Array,
  minConfidence: number,
  iouThreshold: number,
  maxDetected: number,
) {
  const { input, width, height } = await frame(image);
  const resized = tf.image.resizeBilinear(input, [512, 512]);
  const result = await sessions['centernet-coco']!.run({
    'tower_0/images': new ort.Tensor('float32', resized.dataSync() as Float32Array, [1, 512, 512, 3]),
  });
  const rows = result['tower_0/detections']!.data as Float32Array;
  const detections = Array.from({ length: 100 }, (_, i) => Array.from(rows.subarray(i * 6, i * 6 + 6)));
  const boxes = tf.tensor2d(
    detections.flatMap(([x1, y1, x2, y2]) => [y1!, x1!, y2!, x2!]),
    [100, 4],
  );
  const scores = tf.tensor1d(detections.map((row) => row[4]!));
  const nms = await tf.image.nonMaxSuppressionAsync(boxes, scores, maxDetected, iouThreshold, minConfidence);
  const kept = Array.from(await nms.data())
    .map((id) => detections[id]!)
    .filter((row) => !Number.isNaN(row[5]));
  tf.dispose([input, resized, boxes, scores, nms]);
  return {
    classIds: kept.map((row) => row[5]!),
    scores: kept.map((row) => row[4]!),
    boxes: kept.map(([x1, y1, x2, y2]) => [
      clip((x1! / 512) * width, width),
      clip((y1! / 512) * height, height),
      clip((x2! / 512) * width, width),
      clip((y2! / 512) * height, height),
    ]),
  };
}

/** src/face/blazeface.ts getBoxes() (without the face-mesh box enlargement), generateAnchors() of facemeshutil.ts. */
async function referenceBlazeface(
  image: Uint8Array,
  minConfidence: number,
  iouThreshold: number,
  maxDetected: number,
) {
  const { input, width, height } = await frame(image);
  const normalized = tf.tidy(() =>
    tf.sub(tf.div(tf.image.resizeBilinear(input, [256, 256]), tf.scalar(127.5)), tf.scalar(1)),
  );
  const res = await sessions.blazeface!.run({
    input: new ort.Tensor('float32', normalized.dataSync() as Float32Array, [1, 256, 256, 3]),
  });
  const outputs = Object.values(res).map((tensor) =>
    tf.tensor(tensor.data as Float32Array, tensor.dims as number[]),
  );
  const sorted = outputs.sort((a, b) => a.size - b.size);
  const batch = tf.squeeze(
    tf.concat([tf.concat([sorted[1]!, sorted[3]!], 2), tf.concat([sorted[0]!, sorted[2]!], 2)], 1),
    [0],
  );
  const anchors: number[][] = [];
  for (const [stride, count] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const grid = Math.floor((256 + stride - 1) / stride);
    for (let y = 0; y < grid; y++)
      for (let x = 0; x < grid; x++)
        for (let n = 0; n < count; n++) anchors.push([stride * (x + 0.5), stride * (y + 0.5)]);
  }
  const rows = (await batch.array()) as number[][];
  const boxes = rows.map((row, i) => {
    const [cx, cy] = [row[1]! + anchors[i]![0]!, row[2]! + anchors[i]![1]!];
    return [cx - row[3]! / 2, cy - row[4]! / 2, cx + row[3]! / 2, cy + row[4]! / 2];
  });
  const scores = rows.map((row) => 1 / (1 + Math.exp(-row[0]!)));
  const nms = await tf.image.nonMaxSuppressionAsync(
    tf.tensor2d(boxes.flat(), [rows.length, 4]),
    tf.tensor1d(scores),
    maxDetected,
    iouThreshold,
    minConfidence,
  );
  const kept = Array.from(await nms.data());
  tf.dispose([input, normalized, batch, nms, ...outputs]);
  const [sx, sy] = [width / 256, height / 256];
  return {
    scores: kept.map((i) => scores[i]!),
    boxes: kept.map((i) => {
      const [x1, y1, x2, y2] = boxes[i]!;
      return [clip(x1! * sx, width), clip(y1! * sy, height), clip(x2! * sx, width), clip(y2! * sy, height)];
    }),
    keypoints: kept.map((i) =>
      Array.from({ length: 6 }, (_, k) => [
        (rows[i]![5 + 2 * k]! + anchors[i]![0]!) * sx,
        (rows[i]![6 + 2 * k]! + anchors[i]![1]!) * sy,
      ]),
    ),
  };
}

async function serverDetections(model: string, image: Uint8Array, parameters: object) {
  return detectionsOf(
    await jsonOf(
      await server.app.request(`/v2/models/${model}/infer`, jsonImageRequest(image, { parameters })),
    ),
  );
}

function expectClose(actual: number[][], expected: number[][], tolerance: number) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    row.forEach((value, j) => {
      expect(
        Math.abs(value - expected[i]![j]!),
        `row ${i} value ${j}: ${value} vs ${expected[i]![j]}`,
      ).toBeLessThanOrEqual(tolerance);
    });
  });
}

describe('CenterNet matches the reference pipeline on COCO photos and images made from them', () => {
  it.each([
    '000000000165.jpg',
    '000000000389.jpg',
    '000000000540.jpg',
    '000000000544.jpg',
    'grayscale-000000000309.jpg',
    'rotated-000000000194.png',
    'strip-000000000092.webp',
    'collage-3.jpg',
  ])(
    'Should return the reference boxes, classes and scores for %s (class-agnostic NMS, 0.2 / 0.4)',
    async (name) => {
      const image = new Uint8Array((await testImages()).find((candidate) => candidate.name === name)!.bytes);
      const reference = await referenceCenternet(image, 0.2, 0.4, 100);
      const ours = await serverDetections('centernet-coco', image, {
        nms: 'class_agnostic',
        score_threshold: 0.2,
        iou_threshold: 0.4,
        max_detections: 100,
      });
      expect(reference.scores.length).toBeGreaterThan(0);
      expect(ours.classIds).toEqual(reference.classIds);
      expectClose([ours.scores], [reference.scores], 1e-5);
      expectClose(ours.boxes, reference.boxes, 0.01);
      // The default NMS for CenterNet is the reference's.
      expect(await serverDetections('centernet-coco', image, {})).toEqual(ours);
    },
  );

  it('Should keep every reference box with class-aware NMS, plus overlapping boxes of other classes', async () => {
    const image = await readImage(shippedPhoto('000000000540.jpg').file); // a street: cars, trucks, buses
    const reference = await referenceCenternet(image, 0.2, 0.4, 100);
    const aware = await serverDetections('centernet-coco', image, { nms: 'class_aware' });
    expect(aware.scores.length).toBeGreaterThan(reference.scores.length);
    for (const box of reference.boxes)
      expect(aware.boxes.some((candidate) => candidate.every((v, i) => Math.abs(v - box[i]!) < 0.01))).toBe(
        true,
      );
  });
});

describe('BlazeFace matches the reference decoding', () => {
  it.each([
    ['the reference screenshot', async () => readImage(FACE_IMAGE)],
    ['a COCO photo with faces', async () => readImage(shippedPhoto('000000000165.jpg').file)],
    [
      'a face tile',
      async () =>
        new Uint8Array(
          await sharp(await readImage(FACE_IMAGE))
            .extract({ left: 322, top: 345, width: 150, height: 150 })
            .png()
            .toBuffer(),
        ),
    ],
  ])('Should return the reference faces and keypoints for %s', async (_, load) => {
    const image = await load();
    const reference = await referenceBlazeface(image, 0.3, 0.3, 50);
    const ours = await serverDetections('blazeface', image, {
      score_threshold: 0.3,
      iou_threshold: 0.3,
      max_detections: 50,
    });
    expect(reference.scores.length).toBeGreaterThan(0);
    expectClose([ours.scores], [reference.scores], 1e-5);
    expectClose(ours.boxes, reference.boxes, 0.01);
    expectClose(
      ours.keypoints!.map((points) => points.flat()),
      reference.keypoints.map((points) => points.flat()),
      0.01,
    );
  });
});
