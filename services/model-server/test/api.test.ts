/**
 * Every route of the server through `app.request()` (no socket), with the real CenterNet and BlazeFace models
 * from model/repository; every response body checked against the Open Inference Protocol REST schema.
 */
import { shippedPhoto } from '@detection/test-data';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCenternetRows } from '../src/detection/centernet.js';
import { suppressOverlaps } from '../src/detection/nms.js';
import { toImageCoordinates } from '../src/detection/to-image-coordinates.js';
import { imageToTensor } from '../src/image/image-to-tensor.js';
import type { RunningServer } from '../src/server.js';
import { expectConforms, expectError, jsonOf } from './support/oip-schema.js';
import {
  binaryImageRequest,
  detectionsOf,
  jsonImageRequest,
  readImage,
  startTestServer,
} from './support/server.js';

let server: RunningServer;
let photo: Uint8Array;
const request = (path: string, init?: RequestInit) => server.app.request(path, init);

beforeAll(async () => {
  server = await startTestServer();
  photo = await readImage(shippedPhoto('000000000436.jpg').file); // 427x640: a person eating a donut
});

describe('health and server metadata', () => {
  it('Should be live and ready once every model has loaded and warmed up', async () => {
    const live = await request('/v2/health/live');
    expect(live.status).toBe(200);
    expectConforms(await jsonOf(live), 'live_server_response');
    const ready = await request('/v2/health/ready');
    expect([ready.status, await jsonOf(ready)]).toEqual([200, { ready: true }]);
  });

  it.each(['/v2', '/v2/'])(
    'Should describe the server and the extensions it implements at %s',
    async (path) => {
      const response = await request(path);
      const body = await jsonOf(response);
      expectConforms(body, 'metadata_server_response');
      expect(body).toEqual({
        name: 'detection-model-server',
        version: expect.any(String),
        extensions: ['binary_tensor_data', 'model_repository'],
      });
    },
  );

  it('Should tag every response with a request id', async () => {
    const response = await request('/v2/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect((await request('/v2')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('model metadata and readiness', () => {
  it.each(['/v2/models/centernet-coco', '/v2/models/centernet-coco/versions/1'])(
    'Should describe the CenterNet detection model at %s',
    async (path) => {
      const body = await jsonOf(await request(path));
      expectConforms(body, 'metadata_model_response');
      expect(body).toEqual({
        name: 'centernet-coco',
        versions: ['1'],
        platform: 'onnx_onnxv1',
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
        outputs: [
          { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
          { name: 'scores', datatype: 'FP32', shape: [-1] },
          { name: 'class_ids', datatype: 'INT32', shape: [-1] },
          { name: 'labels', datatype: 'BYTES', shape: [-1] },
        ],
        properties: {
          task: 'object-detection',
          postprocessing: 'centernet',
          classes: '80',
          default_nms: 'class_agnostic',
          raw_tensor_model: 'centernet-coco-raw',
        },
      });
    },
  );

  it('Should describe BlazeFace with its keypoints and the raw-tensor models with the ONNX tensors', async () => {
    const blazeface = await jsonOf(await request('/v2/models/blazeface'));
    expectConforms(blazeface, 'metadata_model_response');
    expect(blazeface.outputs.at(-1)).toEqual({ name: 'keypoints', datatype: 'FP32', shape: [-1, 6, 2] });
    expect(blazeface.properties.keypoint_names).toBe(
      'right_eye,left_eye,nose_tip,mouth_center,right_ear_tragion,left_ear_tragion',
    );
    const raw = await jsonOf(await request('/v2/models/centernet-coco-raw'));
    expectConforms(raw, 'metadata_model_response');
    expect(raw.inputs).toEqual([{ name: 'tower_0/images', datatype: 'FP32', shape: [1, 512, 512, 3] }]);
    expect(raw.outputs.map((o: { name: string }) => o.name)).toEqual([
      'tower_0/wh',
      'tower_0/keypoints',
      'tower_0/detections',
    ]);
    expect(raw.properties).toEqual({ task: 'raw-tensors', detection_model: 'centernet-coco' });
  });

  it.each([
    '/v2/models/blazeface/ready',
    '/v2/models/blazeface/versions/1/ready',
    '/v2/models/blazeface-raw/ready',
  ])('Should report %s ready', async (path) => {
    const response = await request(path);
    const body = await jsonOf(response);
    expectConforms(body, 'ready_model_response');
    expect([response.status, body.ready]).toEqual([200, true]);
  });

  it.each([
    ['/v2/models/nope', /unknown model "nope"/],
    ['/v2/models/nope/ready', /unknown model "nope"/],
    ['/v2/models/centernet-coco/versions/2', /has no version "2" \(loaded: 1\)/],
    ['/v2/models/centernet-coco/versions/2/ready', /has no version "2"/],
    ['/v2/models/centernet-coco/versions/latest', /has no version "latest"/],
  ])('Should answer 404 for %s', async (path, message) => {
    await expectError(await request(path), 404, message);
  });
});

describe('inference on a detection model', () => {
  it('Should detect objects from a binary request (the backend contract) and answer JSON', async () => {
    const response = await request(
      '/v2/models/centernet-coco/infer',
      binaryImageRequest(photo, {
        id: 'req-1',
        parameters: { score_threshold: 0.3, iou_threshold: 0.45, max_detections: 100, classes: ['person'] },
        outputs: [{ name: 'boxes' }, { name: 'scores' }, { name: 'class_ids' }, { name: 'labels' }],
      }),
    );
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await jsonOf(response);
    expectConforms(body, 'inference_response');
    expect(body).toMatchObject({
      model_name: 'centernet-coco',
      model_version: '1',
      id: 'req-1',
      parameters: { image_width: 427, image_height: 640 },
    });
    const detections = detectionsOf(body);
    expect(detections.labels.length).toBeGreaterThan(0);
    expect(new Set(detections.labels)).toEqual(new Set(['person']));
    expect(detections.scores.every((s) => s > 0.3)).toBe(true);
    expect([...detections.scores].sort((a, b) => b - a)).toEqual(detections.scores);
    for (const [x1, y1, x2, y2] of detections.boxes) {
      expect(0 <= x1! && x1! < x2! && x2! <= 427 && 0 <= y1! && y1! < y2! && y2! <= 640).toBe(true);
    }
    expect(body.outputs.map((o: { shape: number[] }) => o.shape)).toEqual([
      [detections.scores.length, 4],
      [detections.scores.length],
      [detections.scores.length],
      [detections.scores.length],
    ]);
  });

  it('Should give the same detections for JSON (base64), binary and raw binary requests', async () => {
    const json = detectionsOf(
      await jsonOf(await request('/v2/models/centernet-coco/infer', jsonImageRequest(photo))),
    );
    const binary = detectionsOf(
      await jsonOf(await request('/v2/models/centernet-coco/infer', binaryImageRequest(photo))),
    );
    const raw = await request('/v2/models/centernet-coco/infer', {
      method: 'POST',
      body: photo,
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
    });
    expect(json).toEqual(binary);
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = new Uint8Array(await raw.arrayBuffer());
    const headerLength = Number(raw.headers.get('inference-header-content-length'));
    const header = JSON.parse(Buffer.from(bytes.subarray(0, headerLength)).toString());
    expectConforms(header, 'binary_inference_response');
    const boxesSize = header.outputs[0].parameters.binary_data_size;
    const boxes = new Float32Array(bytes.slice(headerLength, headerLength + boxesSize).buffer);
    expect(Array.from(boxes)).toEqual(json.boxes.flat());
    expect(json.labels.length).toBeGreaterThan(0);
  });

  it('Should return binary outputs when asked (binary_data_output, per-output binary_data) with correct sizes', async () => {
    const init = jsonImageRequest(photo, {
      parameters: { binary_data_output: true },
      outputs: [{ name: 'labels' }, { name: 'scores', parameters: { binary_data: false } }],
    });
    const response = await request('/v2/models/centernet-coco/infer', init);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const headerLength = Number(response.headers.get('inference-header-content-length'));
    const header = JSON.parse(Buffer.from(bytes.subarray(0, headerLength)).toString());
    expectConforms(header, 'binary_inference_response');
    expect(header.outputs.map((o: { name: string }) => o.name)).toEqual(['labels', 'scores']);
    const [labels, scores] = header.outputs;
    expect(scores.data.length).toBe(scores.shape[0]);
    expect(bytes.length).toBe(headerLength + labels.parameters.binary_data_size);
    const view = new DataView(bytes.buffer, bytes.byteOffset + headerLength);
    const firstLength = view.getUint32(0, true);
    expect(Buffer.from(bytes.subarray(headerLength + 4, headerLength + 4 + firstLength)).toString()).toMatch(
      /^[a-z ]+$/,
    );
  });

  it('Should apply score_threshold, max_detections, classes and nms', async () => {
    const infer = async (parameters: object) =>
      detectionsOf(
        await jsonOf(
          await request('/v2/models/centernet-coco/infer', jsonImageRequest(photo, { parameters })),
        ),
      );
    const loose = await infer({ score_threshold: 0.05, max_detections: 100 });
    expect(loose.scores.length).toBeGreaterThan(3);
    expect((await infer({ score_threshold: 0.05, max_detections: 2 })).scores).toEqual(
      loose.scores.slice(0, 2),
    );
    const strict = await infer({ score_threshold: 0.5 });
    expect(strict.scores.every((s) => s > 0.5)).toBe(true);
    expect(strict.scores.length).toBeLessThan(loose.scores.length);
    const aware = await infer({ score_threshold: 0.05, nms: 'class_aware' });
    expect(aware.scores.length).toBeGreaterThanOrEqual(loose.scores.length);
    const umbrellas = await infer({ score_threshold: 0.05, classes: 'umbrella' });
    expect(umbrellas.labels.every((label) => label === 'umbrella')).toBe(true);
  });

  it('Should find faces with BlazeFace and return 6 keypoints per face inside or near the box', async () => {
    // The head of the person in the photo (BlazeFace finds it at about 181,90 - 288,251).
    const face = await sharp(photo)
      .extract({ left: 130, top: 40, width: 210, height: 260 })
      .jpeg()
      .toBuffer();
    const body = await jsonOf(
      await request(
        '/v2/models/blazeface/infer',
        jsonImageRequest(face, { parameters: { score_threshold: 0.3 } }),
      ),
    );
    expectConforms(body, 'inference_response');
    const detections = detectionsOf(body);
    expect(detections.labels.every((label) => label === 'face')).toBe(true);
    expect(body.outputs.find((o: { name: string }) => o.name === 'keypoints').shape).toEqual([
      detections.scores.length,
      6,
      2,
    ]);
  });

  it('Should echo no id when the request has none', async () => {
    const body = await jsonOf(await request('/v2/models/blazeface/infer', jsonImageRequest(photo)));
    expect(body.id).toBeUndefined();
    expectConforms(body, 'inference_response');
  });
});

describe('raw tensor inference', () => {
  it('Should run the ONNX graph on its own input tensor and agree with the detection pipeline', async () => {
    const config = {
      width: 512,
      height: 512,
      layout: 'NHWC' as const,
      color_order: 'RGB' as const,
      value_range: [0, 255] as [number, number],
      resize: 'stretch' as const,
      pad_value: 114,
      interpolation: 'bilinear' as const,
    };
    const tensor = await imageToTensor(photo, config, { maxPixels: 1e8 });
    const bytes = new Uint8Array(tensor.data.buffer);
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          {
            name: 'tower_0/images',
            datatype: 'FP32',
            shape: [1, 512, 512, 3],
            parameters: { binary_data_size: bytes.length },
          },
        ],
        outputs: [{ name: 'tower_0/detections' }],
      }),
    );
    const response = await request('/v2/models/centernet-coco-raw/infer', {
      method: 'POST',
      body: Buffer.concat([header, bytes]),
      headers: {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
    });
    const body = await jsonOf(response);
    expectConforms(body, 'inference_response');
    expect(body).toMatchObject({ model_name: 'centernet-coco-raw', model_version: '1' });
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toMatchObject({
      name: 'tower_0/detections',
      datatype: 'FP32',
      shape: [1, 100, 6],
    });

    const rows = Float32Array.from(body.outputs[0].data);
    const kept = suppressOverlaps(decodeCenternetRows(rows, 80, 0.2, null), 'class_agnostic', 0.4, 0.2, 100);
    const expected = toImageCoordinates(kept, tensor.plan, tensor.imageWidth, tensor.imageHeight);
    const detections = detectionsOf(
      await jsonOf(await request('/v2/models/centernet-coco/infer', jsonImageRequest(photo))),
    );
    expect(detections.classIds).toEqual(expected.map((d) => d.classId));
    expect(detections.boxes.flat()).toEqual(
      expected.flatMap((d) => [d.x1, d.y1, d.x2, d.y2].map(Math.fround)),
    );
  });

  it('Should accept a JSON-only request with nested data for a raw model', async () => {
    const row = Array.from({ length: 256 }, () => [0, 0, 0]);
    const data = [Array.from({ length: 256 }, () => row)];
    const response = await request('/v2/models/blazeface-raw/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'raw',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 256, 256, 3], data }],
        outputs: [{ name: 'Identity' }],
      }),
    });
    const body = await jsonOf(response);
    expectConforms(body, 'inference_response');
    expect(body.outputs[0]).toMatchObject({ name: 'Identity', datatype: 'FP32', shape: [1, 512, 1] });
    expect(body.outputs[0].data).toHaveLength(512);
  });

  it.each([
    [
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [0, 0, 0] }] },
      /must have shape \[1, 256, 256, 3\]/,
    ],
    [{ inputs: [{ name: 'input', datatype: 'INT32', shape: [1], data: [0] }] }, /must be FP32, got INT32/],
    [
      { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1], data: [0] }] },
      /has no input "pixels"; its inputs: "input"/,
    ],
    [
      {
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1], data: [0] },
          { name: 'input', datatype: 'FP32', shape: [1], data: [0] },
        ],
      },
      /must have shape|more than once/,
    ],
  ])('Should refuse a raw request that does not fit the graph: %j', async (body, message) => {
    await expectError(
      await request('/v2/models/blazeface-raw/infer', { method: 'POST', body: JSON.stringify(body) }),
      400,
      message,
    );
  });

  it('Should refuse unknown requested outputs', async () => {
    const body = {
      inputs: [
        {
          name: 'input',
          datatype: 'FP32',
          shape: [1, 256, 256, 3],
          parameters: { binary_data_size: 786432 },
        },
      ],
      outputs: [{ name: 'nope' }],
    };
    const header = new TextEncoder().encode(JSON.stringify(body));
    await expectError(
      await request('/v2/models/blazeface-raw/infer', {
        method: 'POST',
        body: Buffer.concat([header, new Uint8Array(786432)]),
        headers: { 'inference-header-content-length': String(header.length) },
      }),
      400,
      /has no output "nope"; its outputs: "Identity_3", "Identity", "Identity_1", "Identity_2"/,
    );
  });
});

describe('bad inference requests', () => {
  const infer = (init: RequestInit, model = 'centernet-coco') =>
    request(`/v2/models/${model}/infer`, { method: 'POST', ...init });
  const image = (input: object, extra: object = {}) =>
    JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], ...input }], ...extra });

  it.each([
    ['not JSON', { body: 'hello' }, /not valid JSON/],
    ['empty body', { body: '' }, /not valid JSON/],
    ['JSON without inputs', { body: '{}' }, /inputs/],
    [
      'wrong input name',
      { body: JSON.stringify({ inputs: [{ name: 'img', datatype: 'BYTES', shape: [1], data: ['AA=='] }] }) },
      /has no input "img"; send the encoded image as input "image"/,
    ],
    [
      'wrong datatype',
      { body: JSON.stringify({ inputs: [{ name: 'image', datatype: 'UINT8', shape: [1], data: [1] }] }) },
      /must be BYTES, got UINT8/,
    ],
    [
      'wrong shape',
      { body: image({ shape: [2], data: ['AA==', 'AA=='] }) },
      /must have shape \[1\] \(one image\), got \[2\]/,
    ],
    [
      'element count mismatch',
      { body: image({ shape: [1], data: ['AA==', 'AA=='] }) },
      /"data" has more than the 1 element\(s\) its shape holds/,
    ],
    ['too few elements', { body: image({ shape: [1], data: [] }) }, /needs 1 elements, "data" has 0/],
    [
      'two inputs',
      {
        body: JSON.stringify({
          inputs: [
            { name: 'image', datatype: 'BYTES', shape: [1], data: ['AA=='] },
            { name: 'x', datatype: 'FP32', shape: [1], data: [1] },
          ],
        }),
      },
      /takes exactly one input/,
    ],
    ['invalid base64', { body: image({ data: ['%%%'] }) }, /not valid base64/],
    [
      'base64 of text',
      { body: image({ data: [Buffer.from('just text').toString('base64')] }) },
      /not a JPEG, PNG or WebP/,
    ],
    ['a truncated JPEG', { body: 'TRUNCATED' }, /cannot be decoded/],
    ['unknown output', { body: 'OUTPUT' }, /has no output "masks"/],
    ['bad parameter', { body: 'PARAMETER' }, /"score_threshold" must be a number between 0 and 1/],
    ['unknown class', { body: 'CLASS' }, /no class "unicorn"/],
    [
      'binary body without the header',
      { body: 'abc', headers: { 'content-type': 'application/octet-stream' } },
      /needs the inference-header-content-length header/,
    ],
    [
      'header length past the body',
      { body: '{}', headers: { 'inference-header-content-length': '50' } },
      /but the body has only 2 bytes/,
    ],
  ])('Should answer 400 for %s', async (_, init, message) => {
    const bodies: Record<string, () => string> = {
      TRUNCATED: () => image({ data: [Buffer.from(photo.subarray(0, photo.length / 3)).toString('base64')] }),
      OUTPUT: () =>
        image({ data: [Buffer.from(photo).toString('base64')] }, { outputs: [{ name: 'masks' }] }),
      PARAMETER: () =>
        image({ data: [Buffer.from(photo).toString('base64')] }, { parameters: { score_threshold: 2 } }),
      CLASS: () =>
        image({ data: [Buffer.from(photo).toString('base64')] }, { parameters: { classes: ['unicorn'] } }),
    };
    const body = bodies[init.body]?.() ?? init.body;
    await expectError(await infer({ ...init, body }), 400, message);
  });

  it.each([
    ['/v2/models/nope/infer', /unknown model "nope"/],
    ['/v2/models/centernet-coco/versions/9/infer', /has no version "9"/],
  ])('Should answer 404 for %s', async (path, message) => {
    await expectError(await request(path, jsonImageRequest(photo)), 404, message);
  });

  it('Should answer 404 with an error object for unknown routes and methods', async () => {
    await expectError(await request('/v3/anything'), 404, /no route for GET \/v3\/anything/);
    await expectError(await request('/v2/health/live', { method: 'POST' }), 404, /no route for POST/);
    await expectError(await request('/v2/models/centernet-coco/infer'), 404, /no route for GET/);
  });
});

describe('model repository extension', () => {
  it('Should index the repository models with their state', async () => {
    const response = await request('/v2/repository/index', { method: 'POST', body: '{}' });
    const body = await jsonOf(response);
    expectConforms(body, 'repository_index_response');
    expect(body).toEqual([
      { name: 'blazeface', version: '1', state: 'READY', reason: '' },
      { name: 'centernet-coco', version: '1', state: 'READY', reason: '' },
    ]);
    const empty = await request('/v2/repository/index', { method: 'POST' });
    expect(await jsonOf(empty)).toEqual(body);
  });

  it.each([
    ['/v2/repository/index', '[1]', /must be a JSON object/],
    ['/v2/repository/index', '{"ready": "yes"}', /"ready" must be true or false/],
    ['/v2/repository/index', '{', /not valid JSON/],
    [
      '/v2/repository/models/blazeface/load',
      '{"parameters": {"config": "{}"}}',
      /"config" are not supported/,
    ],
    ['/v2/repository/models/blazeface/unload', '{"parameters": 5}', /"parameters" must be an object/],
  ])('Should answer 400 for POST %s %s', async (path, body, message) => {
    await expectError(await request(path, { method: 'POST', body }), 400, message);
  });

  it.each(['load', 'unload'])(
    'Should answer 404 when asked to %s a model the repository lacks',
    async (action) => {
      await expectError(
        await request(`/v2/repository/models/nope/${action}`, { method: 'POST' }),
        404,
        /has no model "nope"/,
      );
    },
  );

  it('Should unload a model (503 while unloaded, not listed as ready) and load it again', async () => {
    const unload = await request('/v2/repository/models/blazeface/unload', { method: 'POST' });
    expect([unload.status, await jsonOf(unload)]).toEqual([200, { name: 'blazeface', unload: true }]);
    await expectError(
      await request('/v2/models/blazeface/infer', jsonImageRequest(photo)),
      503,
      /model blazeface is not ready \(UNAVAILABLE: unloaded\)/,
    );
    await expectError(await request('/v2/models/blazeface-raw/ready'), 503, /not ready/);
    const index = await jsonOf(
      await request('/v2/repository/index', { method: 'POST', body: '{"ready": true}' }),
    );
    expect(index.map((entry: { name: string }) => entry.name)).toEqual(['centernet-coco']);
    expect((await request('/v2/health/ready')).status).toBe(200);

    const load = await request('/v2/repository/models/blazeface/load', { method: 'POST', body: '' });
    expect([load.status, await jsonOf(load)]).toEqual([200, { name: 'blazeface', load: true }]);
    expect((await request('/v2/models/blazeface/infer', jsonImageRequest(photo))).status).toBe(200);
  });

  it('Should reload a loaded model without interrupting requests', async () => {
    const inflight = Array.from({ length: 4 }, () =>
      request('/v2/models/blazeface/infer', jsonImageRequest(photo)),
    );
    const reload = await request('/v2/repository/models/blazeface/load', { method: 'POST' });
    expect(reload.status).toBe(200);
    expect((await Promise.all(inflight)).map((response) => response.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('metrics and OpenAPI', () => {
  it('Should expose request counts, failures and stage latency histograms per model', async () => {
    const response = await request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const expected of [
      /model_server_inference_requests_total\{model="centernet-coco",version="1"\} \d+/,
      /model_server_inference_failures_total\{model="centernet-coco",version="1",status="400"\} \d+/,
      /model_server_inference_queue_duration_seconds_bucket\{le="0.001",model="centernet-coco",version="1"\}/,
      /model_server_inference_preprocess_duration_seconds_count\{model="centernet-coco",version="1"\} \d+/,
      /model_server_inference_inference_duration_seconds_sum\{model="blazeface",version="1"\}/,
      /model_server_inference_postprocess_duration_seconds_count\{model="blazeface-raw",version="1"\} \d+/,
      /model_server_model_ready\{model="centernet-coco",version="1"\} 1/,
      /model_server_http_requests_total\{method="POST",route="\/v2\/models\/:name\/infer",status="200"\} \d+/,
      /model_server_http_requests_total\{method="POST",route="\/v2\/models\/:name\/infer",status="404"\} 1/,
      /process_resident_memory_bytes \d+/,
    ]) {
      expect(text).toMatch(expected);
    }
  });

  it('Should serve an OpenAPI document of the API from the same route definitions', async () => {
    const document = await jsonOf(await request('/openapi.json'));
    expect(document.openapi).toBe('3.0.3');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v2/health/live',
        '/v2/health/ready',
        '/v2',
        '/v2/models/{name}',
        '/v2/models/{name}/versions/{version}/infer',
        '/v2/repository/index',
        '/v2/repository/models/{name}/unload',
      ]),
    );
    expect(document.components.schemas.InferenceRequest.required).toEqual(['inputs']);
  });
});
