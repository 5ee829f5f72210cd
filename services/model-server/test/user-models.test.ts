/**
 * Models users drop into the repository: YOLO v5/v8/v11 exports (tiny generated ONNX graphs with fixed
 * predictions, served through the whole pipeline) and a plain ONNX file without config (raw tensors only).
 */
import path from 'node:path';
import type { ModelConfigInput } from '@detection/model/config';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { expectConforms, expectError, jsonOf } from './support/oip-schema.js';
import { ONNX_TYPES } from './support/onnx-graph.js';
import { detectionsOf, jsonImageRequest, startTestServer } from './support/server.js';
import { addBiasGraph, addModel, fixedYoloGraph, tempRepository } from './support/temp-repository.js';

const INPUT = 64;
/** Candidates in 64x64 letterboxed input pixels: [cx, cy, w, h, score of class 0 (cat), score of class 1 (dog)]. */
const CANDIDATES = [
  [16, 32, 16, 16, 0.9, 0.05], // A: cat
  [17, 32, 16, 16, 0.8, 0.05], // B: cat on A → suppressed
  [16, 33, 16, 16, 0.1, 0.7], // C: dog on A → kept only by class-aware NMS
  [48, 32, 8, 8, 0.02, 0.6], // D: dog elsewhere
  [40, 10, 8, 8, 0.1, 0.1], // E: below the threshold
];

function yoloConfig(name: string, version: 'v5' | 'v8' | 'v11', extra: object = {}): ModelConfigInput {
  return {
    name,
    platform: 'onnx',
    inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, INPUT, INPUT] }],
    outputs: [{ name: 'output0', datatype: 'FP32', shape: version === 'v5' ? [1, 5, 7] : [1, 6, 5] }],
    preprocessing: {
      width: INPUT,
      height: INPUT,
      layout: 'NCHW',
      color_order: 'RGB',
      value_range: [0, 1],
      resize: 'letterbox',
    },
    postprocessing: { type: 'yolo', version, output: 'output0', ...extra },
    labels: ['cat', 'dog'],
    defaults: { score_threshold: 0.25, iou_threshold: 0.45, max_detections: 100 },
  };
}

let server: RunningServer;
let image: Uint8Array;

beforeAll(async () => {
  const { root } = await tempRepository();
  const attributesFirst = (rows: number[][], scale = 1) =>
    [0, 1, 2, 3, 4, 5].flatMap((a) => rows.map((row) => (a < 4 ? row[a]! / scale : row[a]!)));
  await addModel(path.join(root, 'yolo-v8'), yoloConfig('yolo-v8', 'v8'), {
    '1': fixedYoloGraph({ inputSize: INPUT, dims: [1, 6, 5], values: attributesFirst(CANDIDATES) }),
  });
  await addModel(
    path.join(root, 'yolo-v11'),
    yoloConfig('yolo-v11', 'v11', { normalized_coordinates: true }),
    {
      '1': fixedYoloGraph({ inputSize: INPUT, dims: [1, 6, 5], values: attributesFirst(CANDIDATES, INPUT) }),
    },
  );
  // v5: boxes first, objectness 1 (so scores equal v8's), classes after it.
  await addModel(path.join(root, 'yolo-v5'), yoloConfig('yolo-v5', 'v5', { nms: 'class_agnostic' }), {
    '1': fixedYoloGraph({
      inputSize: INPUT,
      dims: [1, 5, 7],
      values: CANDIDATES.flatMap(([cx, cy, w, h, cat, dog]) => [cx!, cy!, w!, h!, 1, cat!, dog!]),
    }),
  });
  await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph([10, 20, 30]) });
  await addModel(path.join(root, 'reshaper'), null, {
    '1': {
      inputs: [{ name: 'x', type: ONNX_TYPES.FLOAT, shape: ['n', 3] }],
      outputs: [{ name: 'y', type: ONNX_TYPES.FLOAT, shape: [2, 3] }],
      initializers: [{ name: 'target', type: ONNX_TYPES.INT64, dims: [2], values: [2, 3] }],
      nodes: [{ op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] }],
    },
  });
  server = await startTestServer({ modelRepository: root });
  // 200x100: letterboxed into 64x64 at scale 0.32 with 16-px bars above and below.
  image = new Uint8Array(
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
  );
});

async function detect(model: string, parameters: object = {}) {
  const body = await jsonOf(
    await server.app.request(`/v2/models/${model}/infer`, jsonImageRequest(image, { parameters })),
  );
  expectConforms(body, 'inference_response');
  return detectionsOf(body);
}

const round = (rows: number[][]) => rows.map((row) => row.map((v) => Math.round(v * 100) / 100));

describe('YOLO exports', () => {
  it.each(['yolo-v8', 'yolo-v11'])(
    'Should decode %s, apply class-aware NMS by default and map boxes through the letterbox',
    async (model) => {
      const detections = await detect(model);
      expect(detections.labels).toEqual(['cat', 'dog', 'dog']);
      expect(detections.scores.map((s) => Math.round(s * 100))).toEqual([90, 70, 60]);
      expect(round(detections.boxes)).toEqual([
        [25, 25, 75, 75],
        [25, 28.13, 75, 78.13],
        [137.5, 37.5, 162.5, 62.5],
      ]);
      expect([detections.imageWidth, detections.imageHeight]).toEqual([200, 100]);
    },
  );

  it('Should follow the config (class-agnostic for this v5 export) and multiply objectness in', async () => {
    const detections = await detect('yolo-v5');
    expect(detections.labels).toEqual(['cat', 'dog']);
    expect(round(detections.boxes)).toEqual([
      [25, 25, 75, 75],
      [137.5, 37.5, 162.5, 62.5],
    ]);
    expect((await detect('yolo-v5', { nms: 'class_aware' })).labels).toEqual(['cat', 'dog', 'dog']);
  });

  it('Should honour request parameters on YOLO models', async () => {
    expect((await detect('yolo-v8', { nms: 'class_agnostic' })).labels).toEqual(['cat', 'dog']);
    expect((await detect('yolo-v8', { classes: ['dog'] })).scores.map((s) => Math.round(s * 100))).toEqual([
      70, 60,
    ]);
    expect((await detect('yolo-v8', { score_threshold: 0.75 })).labels).toEqual(['cat']);
    expect((await detect('yolo-v8', { iou_threshold: 0.99 })).labels).toEqual(['cat', 'cat', 'dog', 'dog']);
  });

  it('Should describe the YOLO model and serve its raw tensors', async () => {
    const metadata = await jsonOf(await server.app.request('/v2/models/yolo-v8'));
    expectConforms(metadata, 'metadata_model_response');
    expect(metadata.properties).toMatchObject({
      postprocessing: 'yolo',
      classes: '2',
      default_nms: 'class_aware',
    });
    const raw = await jsonOf(await server.app.request('/v2/models/yolo-v8-raw'));
    expect(raw.inputs).toEqual([{ name: 'images', datatype: 'FP32', shape: [1, 3, 64, 64] }]);
  });
});

describe('an ONNX file without config', () => {
  it('Should be served as raw tensors under its folder name, with metadata from the graph', async () => {
    const metadata = await jsonOf(await server.app.request('/v2/models/adder'));
    expectConforms(metadata, 'metadata_model_response');
    expect(metadata).toMatchObject({
      name: 'adder',
      versions: ['1'],
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }],
    });
    const response = await server.app.request('/v2/models/adder/versions/1/infer', {
      method: 'POST',
      body: JSON.stringify({
        id: 'a',
        inputs: [
          {
            name: 'x',
            datatype: 'FP32',
            shape: [2, 3],
            data: [
              [1, 2, 3],
              [4, 5, 6],
            ],
          },
        ],
      }),
    });
    const body = await jsonOf(response);
    expectConforms(body, 'inference_response');
    expect(body).toEqual({
      model_name: 'adder',
      model_version: '1',
      id: 'a',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], data: [11, 22, 33, 14, 25, 36] }],
    });
  });

  it('Should take a raw binary request and answer binary outputs (Triton rule)', async () => {
    const response = await server.app.request('/v2/models/adder/infer', {
      method: 'POST',
      body: new Uint8Array(Float32Array.from([1, 1, 1]).buffer),
      headers: { 'inference-header-content-length': '0' },
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const headerLength = Number(response.headers.get('inference-header-content-length'));
    const header = JSON.parse(Buffer.from(bytes.subarray(0, headerLength)).toString());
    expectConforms(header, 'binary_inference_response');
    expect(header.outputs[0]).toEqual({
      name: 'y',
      datatype: 'FP32',
      shape: [1, 3],
      parameters: { binary_data_size: 12 },
    });
    expect(Array.from(new Float32Array(bytes.slice(headerLength).buffer))).toEqual([11, 21, 31]);
  });

  it('Should answer 400 when onnxruntime rejects an input the metadata allowed', async () => {
    // x is [n, 3] but the graph reshapes it to [2, 3]: n = 1 passes the metadata, not the graph.
    const infer = (rows: number) =>
      server.app.request('/v2/models/reshaper/infer', {
        method: 'POST',
        body: JSON.stringify({
          inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 3], data: new Array(rows * 3).fill(1) }],
        }),
      });
    await expectError(await infer(1), 400, /model reshaper rejected the input: .*reshape/i);
    expect((await infer(2)).status).toBe(200);
  });
});

describe('an ONNX file without config with fixed-shape integer inputs', () => {
  it('Should warm up with zeros of each datatype, become ready and infer', async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'integers'), null, {
      '1': {
        inputs: [
          { name: 'a', type: ONNX_TYPES.INT32, shape: [2, 2] },
          { name: 'b', type: ONNX_TYPES.INT8, shape: [3] },
        ],
        outputs: [
          { name: 'a2', type: ONNX_TYPES.INT32, shape: [2, 2] },
          { name: 'b_copy', type: ONNX_TYPES.INT8, shape: [3] },
        ],
        nodes: [
          { op: 'Add', inputs: ['a', 'a'], outputs: ['a2'] },
          { op: 'Identity', inputs: ['b'], outputs: ['b_copy'] },
        ],
      },
    });
    const integers = await startTestServer({ modelRepository: root });
    expect((await integers.app.request('/v2/models/integers/ready')).status).toBe(200);
    const response = await integers.app.request('/v2/models/integers/infer', {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { name: 'a', datatype: 'INT32', shape: [2, 2], data: [1, -2, 3, 1000] },
          { name: 'b', datatype: 'INT8', shape: [3], data: [-128, 0, 127] },
        ],
      }),
    });
    const body = await jsonOf(response);
    expectConforms(body, 'inference_response');
    expect(body.outputs).toEqual([
      { name: 'a2', datatype: 'INT32', shape: [2, 2], data: [2, -4, 6, 2000] },
      { name: 'b_copy', datatype: 'INT8', shape: [3], data: [-128, 0, 127] },
    ]);
  });
});
