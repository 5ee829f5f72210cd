/**
 * What only gRPC has: raw versus typed contents in answers, the rules of raw_input_contents, status codes,
 * metrics, GRPC_PORT=off, and the production bundle serving gRPC from the protos it ships, then draining gRPC
 * and REST calls on SIGTERM. The cases both transports share are in transports.test.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readShippedPhoto } from '@detection/test-data';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../scripts/bundle.js';
import {
  InferenceFailedError,
  InvalidInputError,
  ModelBusyError,
  ModelNotFoundError,
  ModelNotReadyError,
  PayloadTooLargeError,
  ServerShuttingDownError,
} from '../src/errors.js';
import { grpcErrorOf } from '../src/protocol/grpc/status.js';
import type { RunningServer } from '../src/server.js';
import { type GrpcInferenceClient, grpcInferenceClient, lengthPrefixed } from './support/oip-clients.js';
import { MODEL_REPOSITORY } from './support/repository-files.js';
import { startTestServer } from './support/server.js';
import { PACKAGE_ROOT, startServerProcess, waitUntilReady } from './support/server-process.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are protobuf objects, read freely by the tests.
type Answer = any;

function call(client: GrpcInferenceClient, method: string, request: object): Promise<Answer> {
  return new Promise((resolve, reject) =>
    client[method]!(request, new Metadata(), (error: ServiceError | null, response: unknown) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

async function failure(promise: Promise<unknown>): Promise<[string, string]> {
  const error = (await promise.then(
    () => {
      throw new Error('the call succeeded');
    },
    (caught: ServiceError) => caught,
  )) as ServiceError;
  return [status[error.code], error.details];
}

let photo: Buffer;
beforeAll(async () => {
  photo = await sharp(readShippedPhoto('000000000086.jpg')).resize(200, 250).jpeg().toBuffer();
});

describe('gRPC specifics (in-process server)', () => {
  let server: RunningServer;
  let client: GrpcInferenceClient;
  beforeAll(async () => {
    server = await startTestServer({ grpcPort: 0, maxImagePixels: 100_000 });
    client = grpcInferenceClient(`127.0.0.1:${server.grpcPort}`);
  });
  afterAll(() => client.close());

  const image = (more: object = {}) => ({
    model_name: 'centernet-coco',
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
    ...more,
  });

  it('Should answer raw inputs with raw_output_contents, and typed contents with typed contents', async () => {
    const raw = await call(client, 'ModelInfer', image({ raw_input_contents: [lengthPrefixed([photo])] }));
    const typed = await call(
      client,
      'ModelInfer',
      image({
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [photo] } }],
      }),
    );
    expect(raw.raw_output_contents).toHaveLength(4);
    expect(raw.outputs.every((output: Answer) => output.contents === undefined)).toBe(true);
    expect(typed.raw_output_contents ?? []).toEqual([]);
    const count = Number(typed.outputs[1].shape[0]);
    expect(typed.outputs.map((output: Answer) => Object.keys(output.contents))).toEqual([
      ['fp32_contents'],
      ['fp32_contents'],
      ['int_contents'],
      ['bytes_contents'],
    ]);
    expect(new Float32Array(new Uint8Array(raw.raw_output_contents[1]).buffer)).toEqual(
      Float32Array.from(typed.outputs[1].contents.fp32_contents),
    );
    expect(count).toBeGreaterThan(0);
    expect(typed.parameters.image_width).toEqual({ int64_param: '200', parameter_choice: 'int64_param' });
  });

  it.each([
    ['no model_name', () => ({}), 'INVALID_ARGUMENT', /model_name is required/],
    [
      'raw contents for some inputs only',
      () => image({ raw_input_contents: [lengthPrefixed([photo]), Buffer.alloc(0)] }),
      'INVALID_ARGUMENT',
      /raw_input_contents has 2 entries for 1 input\(s\)/,
    ],
    [
      'both contents and raw contents',
      () =>
        image({
          inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], contents: { bytes_contents: [photo] } }],
          raw_input_contents: [lengthPrefixed([photo])],
        }),
      'INVALID_ARGUMENT',
      /has both contents and raw_input_contents/,
    ],
    [
      'FP16 as typed contents',
      () => ({
        model_name: 'blazeface-raw',
        inputs: [{ name: 'input', datatype: 'FP16', shape: [1], contents: { fp32_contents: [1] } }],
      }),
      'INVALID_ARGUMENT',
      /FP16 data must be sent in raw_input_contents/,
    ],
    [
      'the contents field of another datatype',
      () => ({
        model_name: 'blazeface-raw',
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1], contents: { int_contents: [1] } }],
      }),
      'INVALID_ARGUMENT',
      /FP32 data belongs in contents\.fp32_contents, not int_contents/,
    ],
    [
      'an image over MAX_IMAGE_PIXELS',
      async () =>
        image({
          raw_input_contents: [lengthPrefixed([await sharp(photo).resize(400, 500).jpeg().toBuffer()])],
        }),
      'RESOURCE_EXHAUSTED',
      /over the limit of 100000/,
    ],
  ] satisfies Array<[string, () => object | Promise<object>, string, RegExp]>)(
    'Should refuse %s with %s',
    async (_, request, code, message) => {
      const [actual, details] = await failure(call(client, 'ModelInfer', await request()));
      expect(actual).toBe(code);
      expect(details).toMatch(message);
    },
  );

  it('Should refuse a named repository in RepositoryIndex, and name the model in load answers', async () => {
    expect(await failure(call(client, 'RepositoryIndex', { repository_name: 'other' }))).toEqual([
      'INVALID_ARGUMENT',
      expect.stringMatching(/one model repository/),
    ]);
    expect(await call(client, 'RepositoryModelLoad', { model_name: 'blazeface' })).toEqual({
      model_name: 'blazeface',
      isLoaded: true,
    });
    expect(await failure(call(client, 'RepositoryModelLoad', {}))).toEqual([
      'INVALID_ARGUMENT',
      'the request names no model',
    ]);
  });

  it('Should count gRPC calls by method and status code', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/model_server_grpc_requests_total\{method="ModelInfer",code="OK"\} [1-9]/);
    expect(metrics).toMatch(
      /model_server_grpc_requests_total\{method="ModelInfer",code="INVALID_ARGUMENT"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /model_server_inference_requests_total\{model="centernet-coco",version="1"\} [1-9]/,
    );
  });

  it('Should map every domain error to the status KServe and Triton use', () => {
    expect(
      [
        new InvalidInputError('x'),
        new ModelNotFoundError('x'),
        new PayloadTooLargeError('x'),
        new ModelNotReadyError('x'),
        new ServerShuttingDownError(),
        new InferenceFailedError('x'),
        new Error('boom'),
      ].map((error) => status[grpcErrorOf(error).code]),
    ).toEqual([
      'INVALID_ARGUMENT',
      'NOT_FOUND',
      'RESOURCE_EXHAUSTED',
      'UNAVAILABLE',
      'UNAVAILABLE',
      'INTERNAL',
      'INTERNAL',
    ]);
    expect(grpcErrorOf(new Error('secret detail')).details).toBe('internal server error');
  });

  it('Should tell a busy model (queue full) from a starting one by a retry-after trailer, as REST does with Retry-After', () => {
    const busy = grpcErrorOf(new ModelBusyError('model "m" has 64 requests queued', 3));
    expect(status[busy.code]).toBe('UNAVAILABLE');
    expect(busy.metadata?.get('retry-after')).toEqual(['3']);
    expect(grpcErrorOf(new ModelNotReadyError('model "m" is loading')).metadata).toBeUndefined();
  });

  it('Should not listen for gRPC with GRPC_PORT=off', async () => {
    const restOnly = await startTestServer({
      grpcPort: null,
      modelRepository: path.join(MODEL_REPOSITORY, 'blazeface'),
    });
    expect(restOnly.grpcPort).toBeNull();
    expect((await fetch(`${restOnly.url}/v2/health/ready`)).status).toBe(200);
  });
});

describe('the production bundle over gRPC', () => {
  const OUTDIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'model-server-grpc-test-bundle');
  beforeAll(async () => {
    await bundle(OUTDIR);
  });

  it('Should ship the protos it loads', async () => {
    for (const file of [
      'open_inference_grpc.proto',
      'kserve_grpc_predict_v2.proto',
      'triton_repository_index.proto',
      'PROVENANCE.md',
    ]) {
      expect(await readFile(path.join(OUTDIR, 'proto', file))).toEqual(
        await readFile(path.join(PACKAGE_ROOT, 'proto', file)),
      );
    }
  });

  it('Should serve gRPC beside REST, then on SIGTERM finish in-flight calls of both and exit 0', async () => {
    const server = await startServerProcess(
      { SHUTDOWN_TIMEOUT_MS: '20000' },
      { entry: path.join(OUTDIR, 'index.js') },
    );
    const client = grpcInferenceClient(`127.0.0.1:${server.listening.grpc_port}`);
    try {
      expect(server.listening.grpc_port).toEqual(expect.any(Number));
      await waitUntilReady(server.url);
      expect(await call(client, 'ServerReady', {})).toEqual({ ready: true });
      const request = {
        model_name: 'centernet-coco',
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
        raw_input_contents: [lengthPrefixed([photo])],
      };
      const grpcCalls = Array.from({ length: 4 }, () =>
        call(client, 'ModelInfer', request).then(() => 'grpc ok'),
      );
      const restCalls = Array.from({ length: 2 }, () =>
        fetch(`${server.url}/v2/models/centernet-coco/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
          body: photo,
        }).then((response) => `rest ${response.status}`),
      );
      // SIGTERM once all six are inside the server (queued or running).
      for (let i = 0; i < 400; i++) {
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        const count = (name: string) =>
          Number(
            new RegExp(`${name}\\{model="centernet-coco",version="1"\\} (\\d+)`).exec(metrics)?.[1] ?? 0,
          );
        const pending = count('model_server_inference_pending_requests');
        if (pending + count('model_server_inference_requests_total') >= 6 && pending > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      server.child.kill('SIGTERM');
      expect(await Promise.all([...grpcCalls, ...restCalls])).toEqual([
        'grpc ok',
        'grpc ok',
        'grpc ok',
        'grpc ok',
        'rest 200',
        'rest 200',
      ]);
      expect(await server.exited).toBe(0);
      expect(server.logs.find((entry) => entry.msg === 'stopped')).toMatchObject({ forced: false });
      const [code] = await failure(call(client, 'ServerLive', {}));
      expect(code).toBe('UNAVAILABLE');
    } finally {
      client.close();
      await server.stop();
    }
  });
});
