import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertGraphModel } from '../src/convert/convert-graph-model.js';
import type { CatalogEntry } from '../src/repository/catalog.js';
import { catalogEntry, catalogModelInput, loadCatalogGraph } from './catalog-models.js';
import { cocoSampleImages } from './coco-sample.js';
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
const images = cocoSampleImages();

beforeAll(async () => {
  registerTfjsWasmFiles();
  await tf.setBackend('wasm');
});

describe('converted CenterNet matches the original TF.js graph (tfjs-wasm) on the COCO sample', () => {
  let pair: ModelPair;
  beforeAll(async () => {
    pair = await loadPair(CENTERNET);
  });
  afterAll(async () => {
    await pair.onnx.release();
    pair.tfjs.dispose();
  });

  it(`Should have the same raw outputs and the same 100 detections in the same order on all ${images.length} photos`, async () => {
    expect(images.length).toBe(64);
    const worst = { keypoints: 0, whNormalised: 0, detectionCoordNormalised: 0, detectionScore: 0 };
    for (const image of images) {
      const out = await runBoth(pair, await catalogModelInput(CENTERNET, image), 512);
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
      for (let row = 0; row < 100; row++) {
        const [a, b] = [
          detections.tfjs.subarray(row * 6, row * 6 + 6),
          detections.onnx.subarray(row * 6, row * 6 + 6),
        ];
        expect(b[5], `${path.basename(image)} detection ${row} class`).toBe(a[5]);
        worst.detectionScore = Math.max(worst.detectionScore, Math.abs(a[4]! - b[4]!));
        for (let k = 0; k < 4; k++) {
          worst.detectionCoordNormalised = Math.max(
            worst.detectionCoordNormalised,
            Math.abs(a[k]! - b[k]!) / 512,
          );
        }
      }
    }
    console.info('CenterNet worst differences over the sample:', worst);
    for (const [name, value] of Object.entries(worst)) expect(value, name).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('converted BlazeFace matches the original TF.js graph (tfjs-wasm) on the COCO sample', () => {
  let pair: ModelPair;
  beforeAll(async () => {
    pair = await loadPair(BLAZEFACE);
  });
  afterAll(async () => {
    await pair.onnx.release();
    pair.tfjs.dispose();
  });

  it(`Should have the same scores, boxes and keypoints and the same top faces in order on all ${images.length} photos`, async () => {
    const worst = { score: 0, regressorNormalised: 0 };
    let facesCompared = 0;
    for (const image of images) {
      const out = await runBoth(pair, await catalogModelInput(BLAZEFACE, image), 256);
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
      expect(ranked(actual), path.basename(image)).toEqual(ranked(expected));
      facesCompared += ranked(expected).length;
    }
    console.info(
      'BlazeFace worst differences over the sample:',
      worst,
      'anchors with p >= 0.5 compared:',
      facesCompared,
    );
    expect(facesCompared).toBeGreaterThan(20);
    for (const [name, value] of Object.entries(worst)) expect(value, name).toBeLessThanOrEqual(TOLERANCE);
  });
});
