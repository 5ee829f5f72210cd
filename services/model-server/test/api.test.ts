/**
 * What only REST has, through `app.request()` (no socket), with the real CenterNet and BlazeFace models: every
 * kind of response body checked against the Open Inference Protocol REST schema, the JSON, binary and raw binary
 * encodings, HTTP-level errors, metrics and the OpenAPI document. The protocol's behaviour itself (metadata,
 * readiness, inference, refusals, repository) runs over REST and gRPC alike in transports.test.ts.
 */
import { shippedPhoto } from '@detection/test-data';
import { beforeAll, describe, expect, it } from 'vitest';
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
  it.each([
    '/v2/models/centernet-coco',
    '/v2/models/centernet-coco/versions/1',
    '/v2/models/blazeface',
    '/v2/models/centernet-coco-raw',
  ])('Should describe %s with a body that conforms to the OIP schema', async (path) => {
    const response = await request(path);
    expect(response.status).toBe(200);
    expectConforms(await jsonOf(response), 'metadata_model_response');
  });

  it.each(['/v2/models/blazeface/ready', '/v2/models/blazeface/versions/1/ready'])(
    'Should report %s ready with a conforming body',
    async (path) => {
      const response = await request(path);
      const body = await jsonOf(response);
      expectConforms(body, 'ready_model_response');
      expect([response.status, body]).toEqual([200, { name: 'blazeface', ready: true }]);
    },
  );

  it.each([
    ['/v2/models/nope', /unknown model "nope"/],
    ['/v2/models/nope/ready', /unknown model "nope"/],
    ['/v2/models/centernet-coco/versions/2', /has no version "2" \(loaded: 1\)/],
  ])('Should answer 404 for %s with an error object', async (path, message) => {
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
});

describe('raw tensor inference', () => {
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
});

describe('bad inference requests', () => {
  const image = (input: object) =>
    JSON.stringify({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], ...input }] });

  it.each([
    ['not JSON', { body: 'hello' }, /not valid JSON/],
    ['empty body', { body: '' }, /not valid JSON/],
    ['JSON without inputs', { body: '{}' }, /inputs/],
    ['too few elements', { body: image({ shape: [1], data: [] }) }, /needs 1 elements, "data" has 0/],
    ['invalid base64', { body: image({ data: ['%%%'] }) }, /not valid base64/],
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
  ])('Should answer 400 with an error object for %s', async (_, init, message) => {
    await expectError(
      await request('/v2/models/centernet-coco/infer', { method: 'POST', ...init }),
      400,
      message,
    );
  });

  it('Should answer a request the model refuses with 400 and an error object', async () => {
    await expectError(
      await request(
        '/v2/models/centernet-coco/infer',
        jsonImageRequest(photo, { parameters: { score_threshold: 2 } }),
      ),
      400,
      /"score_threshold" must be a number between 0 and 1/,
    );
    await expectError(await request('/v2/models/nope/infer', jsonImageRequest(photo)), 404, /unknown model/);
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
});

describe('metrics and OpenAPI', () => {
  it('Should expose request counts, failures and stage latency histograms per model', async () => {
    await request('/v2/models/blazeface/infer', jsonImageRequest(photo));
    await request(
      '/v2/models/centernet-coco/infer',
      jsonImageRequest(photo, { parameters: { nms: 'none' } }),
    );
    await request('/v2/models/nope/infer', jsonImageRequest(photo));
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
      /model_server_http_requests_total\{method="POST",route="\/v2\/models\/:name\/infer",status="404"\} \d+/,
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
