/** Limits (413), readiness while loading (503), a full queue (503), a single model folder, recovery of a dead session. */
import path from 'node:path';
import { shippedPhoto } from '@detection/test-data';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ModelRuntime, RuntimeOptions } from '../src/runtime/model-runtime.js';
import { OnnxWorkerRuntime } from '../src/runtime/onnx-runtime.js';
import { expectConforms, expectError, jsonOf } from './support/oip-schema.js';
import { MODEL_REPOSITORY } from './support/repository-files.js';
import { binaryImageRequest, jsonImageRequest, readImage, startTestServer } from './support/server.js';

const BLAZEFACE_FOLDER = path.join(MODEL_REPOSITORY, 'blazeface');

/**
 * Starts the real worker runtime and records the failure listeners registered on it, so that a test can
 * deliver the "worker died" notification itself (a native crash of onnxruntime cannot be provoked on purpose).
 */
async function startRecordingFailures(
  file: string,
  options: RuntimeOptions,
  failures: Array<(error: Error) => void>,
): Promise<ModelRuntime> {
  const runtime = await OnnxWorkerRuntime.start(file, options);
  const onFailure = runtime.onFailure.bind(runtime);
  runtime.onFailure = (listener) => {
    failures.push(listener);
    onFailure(listener);
  };
  return runtime;
}

describe('a single model folder with tight limits', () => {
  it('Should serve the folder as the only model and refuse oversized bodies and images with 413', async () => {
    const server = await startTestServer({
      modelRepository: BLAZEFACE_FOLDER,
      maxRequestBytes: 200_000,
      maxImagePixels: 100_000,
    });
    const index = await jsonOf(await server.app.request('/v2/repository/index', { method: 'POST' }));
    expect(index).toEqual([{ name: 'blazeface', version: '1', state: 'READY', reason: '' }]);

    const small = new Uint8Array(
      await sharp(await readImage(shippedPhoto('000000000086.jpg').file))
        .resize(200, 250)
        .jpeg()
        .toBuffer(),
    );
    expect((await server.app.request('/v2/models/blazeface/infer', binaryImageRequest(small))).status).toBe(
      200,
    );

    const photo = await readImage(shippedPhoto('000000000086.jpg').file); // 512x640, 192 kB: over both limits as JSON
    await expectError(
      await server.app.request('/v2/models/blazeface/infer', jsonImageRequest(photo)),
      413,
      /request body is larger than the limit of 200000 bytes \(MAX_REQUEST_BYTES\)/,
    );
    const declared = binaryImageRequest(new Uint8Array(300_000));
    await expectError(
      await server.app.request('/v2/models/blazeface/infer', {
        ...declared,
        headers: { ...declared.headers, 'content-length': '300100' },
      }),
      413,
      /MAX_REQUEST_BYTES/,
    );
    const wide = new Uint8Array(
      await sharp({ create: { width: 400, height: 300, channels: 3, background: 'white' } })
        .png()
        .toBuffer(),
    );
    await expectError(
      await server.app.request('/v2/models/blazeface/infer', binaryImageRequest(wide)),
      413,
      /the image is 400x300 = 120000 pixels, over the limit of 100000/,
    );
    await expectError(
      await server.app.request('/v2/repository/index', { method: 'POST', body: ' '.repeat(250_000) }),
      413,
    );
  });
});

describe('readiness while models load', () => {
  it('Should be live but answer 503 (ready, metadata, inference) until every model loaded and warmed up', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const server = await startTestServer(
      { modelRepository: BLAZEFACE_FOLDER },
      {
        waitUntilReady: false,
        // The real onnxruntime worker, started only once the test opens the gate.
        startRuntime: async (file: string, options: RuntimeOptions) => {
          await gate;
          return OnnxWorkerRuntime.start(file, options);
        },
      },
    );
    const photo = await readImage(shippedPhoto('000000000086.jpg').file);
    expect((await server.app.request('/v2/health/live')).status).toBe(200);
    await expectError(
      await server.app.request('/v2/health/ready'),
      503,
      /not ready: (reading the model repository|blazeface is LOADING)/,
    );
    while (
      (await jsonOf(await server.app.request('/v2/repository/index', { method: 'POST' })))[0]?.state !==
      'LOADING'
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expectError(await server.app.request('/v2/health/ready'), 503, /not ready: blazeface is LOADING/);
    await expectError(await server.app.request('/v2/models/blazeface'), 503, /not ready \(LOADING/);
    await expectError(await server.app.request('/v2/models/blazeface/ready'), 503, /not ready/);
    const loading = await server.app.request('/v2/models/blazeface/infer', jsonImageRequest(photo));
    // Starting, not busy: no Retry-After, so a client keeps retrying until its own deadline.
    expect(loading.headers.get('retry-after')).toBeNull();
    await expectError(loading, 503, /LOADING/);
    const index = await jsonOf(await server.app.request('/v2/repository/index', { method: 'POST' }));
    expect(index).toEqual([{ name: 'blazeface', version: '1', state: 'LOADING', reason: 'loading' }]);
    open();
    await server.ready;
    const ready = await server.app.request('/v2/health/ready');
    expectConforms(await jsonOf(ready), 'ready_server_response');
    expect(ready.status).toBe(200);
    expect((await server.app.request('/v2/models/blazeface/infer', jsonImageRequest(photo))).status).toBe(
      200,
    );
  });
});

describe('a full queue', () => {
  it('Should refuse requests beyond concurrency + queue with 503 and Retry-After (busy, not starting) and serve the others', async () => {
    const server = await startTestServer({
      modelRepository: BLAZEFACE_FOLDER,
      modelConcurrency: 1,
      maxQueuedRequests: 1,
    });
    const photo = await readImage(shippedPhoto('000000000389.jpg').file);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        server.app.request('/v2/models/blazeface/infer', binaryImageRequest(photo)),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    for (const response of responses.filter((r) => r.status === 503)) {
      expect(response.headers.get('retry-after')).toBe('1');
      await expectError(
        response,
        503,
        /model blazeface version 1 is busy: 1 requests are already waiting; retry later/,
      );
    }
  });
});

describe('a session that dies', () => {
  it('Should take the model out of service and reload it from the repository', async () => {
    const failures: Array<(error: Error) => void> = [];
    let started = 0;
    const server = await startTestServer(
      { modelRepository: BLAZEFACE_FOLDER },
      {
        // The real worker runtime; the test delivers the "worker died" notification itself.
        startRuntime: (file: string, options: RuntimeOptions): Promise<ModelRuntime> => {
          started += 1;
          return startRecordingFailures(file, options, failures);
        },
      },
    );
    expect(started).toBe(1);
    failures[0]!(new Error('the inference worker exited with code 134'));
    await expectError(
      await server.app.request('/v2/health/ready'),
      503,
      /restarting after: the inference worker exited with code 134/,
    );
    // A new worker and a warm-up: seconds on a busy machine.
    for (let i = 0; i < 1500 && (await server.app.request('/v2/health/ready')).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await server.app.request('/v2/health/ready')).status).toBe(200);
    expect(started).toBe(2);
    const photo = await readImage(shippedPhoto('000000000086.jpg').file);
    expect((await server.app.request('/v2/models/blazeface/infer', jsonImageRequest(photo))).status).toBe(
      200,
    );
  });
});

describe('a session that dies and cannot be reloaded', () => {
  it('Should report the server not live, so that Kubernetes restarts it', async () => {
    const failures: Array<(error: Error) => void> = [];
    let started = 0;
    const server = await startTestServer(
      { modelRepository: BLAZEFACE_FOLDER },
      {
        // The real worker runtime the first time; afterwards the start fails, as if the file had gone bad.
        startRuntime: async (file: string, options: RuntimeOptions): Promise<ModelRuntime> => {
          started += 1;
          if (started > 1) throw new Error('onnxruntime cannot load model.onnx: Protobuf parsing failed');
          return startRecordingFailures(file, options, failures);
        },
      },
    );
    expect((await server.app.request('/v2/health/live')).status).toBe(200);
    failures[0]!(new Error('the inference worker exited with code 134'));
    for (let i = 0; i < 100 && (await server.app.request('/v2/health/live')).status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expectError(
      await server.app.request('/v2/health/live'),
      503,
      /not live: blazeface: its session died \(the inference worker exited with code 134\) and reloading failed: .*Protobuf parsing failed/,
    );
    await expectError(await server.app.request('/v2/health/ready'), 503, /blazeface is UNAVAILABLE/);
  });
});
