import { testImages } from '@detection/test-data';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertGraphModel } from '../src/convert/convert-graph-model.js';
import type { CatalogEntry } from '../src/repository/catalog.js';
import { catalogEntry, catalogModelInput, loadCatalogGraph } from './catalog-models.js';
import { loadInTfjs, registerTfjsWasmFiles } from './parity.js';

const TOLERANCE = 1e-3;

interface ModelPair {
  tfjs: Awaited<ReturnType<typeof loadInTfjs>>;
  onnx: ort.InferenceSession;
  inputName: string;
  outputs: string[];
}

const CENTERNET = catalogEntry('centernet-coco');
const BLAZEFACE = catalogEntry('blazeface');

async function loadPair(entry: CatalogEntry): Promise<ModelPair> {
  const graphModel = await loadCatalogGraph(entry);
  const conversion = convertGraphModel(graphModel);
  return {
    tfjs: await loadInTfjs(graphModel),
    onnx: await ort.InferenceSession.create(conversion.bytes, { graphOptimizationLevel: 'all' }),
    inputName: conversion.inputs[0]!.name,
    outputs: conversion.outputs.map((output) => output.name),
  };
}

async function runBoth(pair: ModelPair, input: Float32Array, size: number) {
  const dims = [1, size, size, 3];
  const onnxResults = await pair.onnx.run({ [pair.inputName]: new ort.Tensor('float32', input, dims) });
  const inputTensor = tf.tensor(input, dims);
  const tfjsResults = pair.tfjs.execute(inputTensor, pair.outputs) as tf.Tensor[];
  const result: Record<string, { tfjs: Float32Array; onnx: Float32Array }> = {};
  for (const [index, name] of pair.outputs.entries()) {
    result[name] = {
      tfjs: (await tfjsResults[index]!.data()) as Float32Array,
      onnx: onnxResults[name]!.data as Float32Array,
    };
  }
  tf.dispose([inputTensor, ...tfjsResults]);
  return result;
}

function maxAbsDifference(
  a: Float32Array,
  b: Float32Array,
  transform: (value: number, index: number) => number = (v) => v,
) {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(transform(a[i]!, i) - transform(b[i]!, i)));
  return max;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const HEATMAP_SIZE = 128;
const CLASSES = 80;

/**
 * Whether a CenterNet detection (x1, y1, x2, y2, score, class) comes from a heatmap cell (128x128x80, NHWC) that
 * a neighbour in its 3x3 neighbourhood comes within `noise` of.
 */
function isMarginalPeak(heatmap: Float32Array, detection: Float32Array, noise: number): boolean {
  const [score, classId] = [detection[4]!, detection[5]!];
  let cell = -1;
  for (let index = classId; index < heatmap.length; index += CLASSES) {
    if (cell < 0 || Math.abs(heatmap[index]! - score) < Math.abs(heatmap[cell]! - score)) cell = index;
  }
  if (Math.abs(heatmap[cell]! - score) > 1e-6) return false;
  const position = Math.floor(cell / CLASSES);
  const [y, x] = [Math.floor(position / HEATMAP_SIZE), position % HEATMAP_SIZE];
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const [ny, nx] = [y + dy, x + dx];
      if ((dy === 0 && dx === 0) || ny < 0 || nx < 0 || ny >= HEATMAP_SIZE || nx >= HEATMAP_SIZE) continue;
      if (heatmap[(ny * HEATMAP_SIZE + nx) * CLASSES + classId]! >= score - noise) return true;
    }
  }
  return false;
}

/**
 * Pairs CenterNet's 100 detections (rows of x1, y1, x2, y2, score, class, best first) from both runtimes: same
 * class, same box and score within TOLERANCE. Float noise between the runtimes may legitimately (1) swap two rows
 * whose scores are within `noise`, (2) keep a marginal peak in one list only, (3) push a row past the 100th in
 * the other list. Anything else is unexplained.
 */
function compareDetections(
  detections: { tfjs: Float32Array; onnx: Float32Array },
  heatmaps: { tfjs: Float32Array; onnx: Float32Array },
  noise: number,
) {
  const row = (list: Float32Array, index: number) => list.subarray(index * 6, index * 6 + 6);
  const pairs: Array<[number, number]> = [];
  const explained: string[] = [];
  const unexplained: string[] = [];
  const pairedOnnx = new Set<number>();
  const unpairedTfjs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const a = row(detections.tfjs, i);
    let best = -1;
    for (let j = 0; j < 100; j++) {
      const b = row(detections.onnx, j);
      const same =
        !pairedOnnx.has(j) &&
        a[5] === b[5] &&
        Math.abs(a[4]! - b[4]!) <= TOLERANCE &&
        [0, 1, 2, 3].every((k) => Math.abs(a[k]! - b[k]!) / 512 <= TOLERANCE);
      if (same && (best < 0 || Math.abs(a[4]! - b[4]!) < Math.abs(a[4]! - row(detections.onnx, best)[4]!)))
        best = j;
    }
    if (best < 0) unpairedTfjs.push(i);
    else {
      pairs.push([i, best]);
      pairedOnnx.add(best);
    }
  }
  const lastScore = (list: Float32Array) => row(list, 99)[4]!;
  const unpaired = [
    ...unpairedTfjs.map((index) => ['tfjs', index] as const),
    ...Array.from({ length: 100 }, (_, index) => index)
      .filter((index) => !pairedOnnx.has(index))
      .map((index) => ['onnx', index] as const),
  ];
  for (const [runtime, index] of unpaired) {
    const detection = row(detections[runtime], index);
    const other = runtime === 'tfjs' ? detections.onnx : detections.tfjs;
    const what = `${runtime} row ${index} (class ${detection[5]}, score ${detection[4]!.toFixed(5)})`;
    if (isMarginalPeak(heatmaps[runtime], detection, noise)) explained.push(`${what}: a marginal peak`);
    else if (detection[4]! <= lastScore(other) + noise) explained.push(`${what}: past the other's 100th`);
    else unexplained.push(`${what} is not in the other runtime's list`);
  }
  for (const [i, j] of pairs) {
    for (const [i2, j2] of pairs) {
      if (i < i2 && j > j2) {
        const gap = Math.abs(row(detections.tfjs, i)[4]! - row(detections.tfjs, i2)[4]!);
        if (gap > noise) unexplained.push(`tfjs rows ${i} and ${i2} are in the other order in onnx`);
        else explained.push(`tfjs rows ${i} and ${i2} swapped (scores ${gap.toExponential(1)} apart)`);
      }
    }
  }
  return { pairs, explained, unexplained };
}
const images = await testImages();

beforeAll(async () => {
  registerTfjsWasmFiles();
  await tf.setBackend('wasm');
});

describe('converted CenterNet matches the original TF.js graph (tfjs-wasm) on the test images', () => {
  let pair: ModelPair;
  beforeAll(async () => {
    pair = await loadPair(CENTERNET);
  });
  afterAll(async () => {
    await pair.onnx.release();
    pair.tfjs.dispose();
  });

  it(`Should have the same raw outputs and the same 100 detections in the same order on all ${images.length} test images, up to what float noise decides`, async () => {
    expect(images.length).toBe(64);
    const worst = { keypoints: 0, whNormalised: 0, detectionCoordNormalised: 0, detectionScore: 0 };
    const explained: string[] = [];
    let compared = 0;
    for (const image of images) {
      const out = await runBoth(pair, await catalogModelInput(CENTERNET, image.bytes), 512);
      const keypoints = out['tower_0/keypoints']!;
      const wh = out['tower_0/wh']!;
      const detections = out['tower_0/detections']!;
      // Scores are probabilities; wh and box corners are 512-px coordinates, compared as the
      // reference library consumes them: divided by the input size.
      worst.keypoints = Math.max(worst.keypoints, maxAbsDifference(keypoints.tfjs, keypoints.onnx));
      worst.whNormalised = Math.max(
        worst.whNormalised,
        maxAbsDifference(wh.tfjs, wh.onnx, (v) => v / 512),
      );
      const comparison = compareDetections(
        detections,
        keypoints,
        2 * maxAbsDifference(keypoints.tfjs, keypoints.onnx),
      );
      for (const [i, j] of comparison.pairs) {
        const [a, b] = [
          detections.tfjs.subarray(i * 6, i * 6 + 6),
          detections.onnx.subarray(j * 6, j * 6 + 6),
        ];
        worst.detectionScore = Math.max(worst.detectionScore, Math.abs(a[4]! - b[4]!));
        for (let k = 0; k < 4; k++)
          worst.detectionCoordNormalised = Math.max(
            worst.detectionCoordNormalised,
            Math.abs(a[k]! - b[k]!) / 512,
          );
      }
      expect(comparison.unexplained, image.name).toEqual([]);
      explained.push(...comparison.explained.map((reason) => `${image.name}: ${reason}`));
      compared += comparison.pairs.length;
    }
    console.info('CenterNet worst differences over the test images:', worst, 'explained:', explained);
    // Nearly every row of every image is paired (6399 of the 6400 when written).
    expect(compared).toBeGreaterThanOrEqual(64 * 100 - 10);
    for (const [name, value] of Object.entries(worst)) expect(value, name).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('converted BlazeFace matches the original TF.js graph (tfjs-wasm) on the test images', () => {
  let pair: ModelPair;
  beforeAll(async () => {
    pair = await loadPair(BLAZEFACE);
  });
  afterAll(async () => {
    await pair.onnx.release();
    pair.tfjs.dispose();
  });

  it(`Should have the same scores, boxes and keypoints and the same top faces in order on all ${images.length} test images`, async () => {
    const worst = { score: 0, regressorNormalised: 0 };
    let facesCompared = 0;
    for (const image of images) {
      const out = await runBoth(pair, await catalogModelInput(BLAZEFACE, image.bytes), 256);
      const scoresOf = (which: 'tfjs' | 'onnx') =>
        [...out.Identity![which], ...out.Identity_1![which]].map(sigmoid);
      const [expected, actual] = [scoresOf('tfjs'), scoresOf('onnx')];
      for (let i = 0; i < expected.length; i++)
        worst.score = Math.max(worst.score, Math.abs(expected[i]! - actual[i]!));
      for (const name of ['Identity_2', 'Identity_3']) {
        worst.regressorNormalised = Math.max(
          worst.regressorNormalised,
          maxAbsDifference(out[name]!.tfjs, out[name]!.onnx, (v) => v / 256),
        );
      }
      const ranked = (scores: number[]) =>
        scores
          .map((score, anchor) => ({ score, anchor }))
          .filter((entry) => entry.score >= 0.5)
          .sort((a, b) => b.score - a.score)
          .map((entry) => entry.anchor);
      expect(ranked(actual), image.name).toEqual(ranked(expected));
      facesCompared += ranked(expected).length;
    }
    console.info(
      'BlazeFace worst differences over the test images:',
      worst,
      'anchors with p >= 0.5 compared:',
      facesCompared,
    );
    expect(facesCompared).toBeGreaterThan(20);
    for (const [name, value] of Object.entries(worst)) expect(value, name).toBeLessThanOrEqual(TOLERANCE);
  });
});
