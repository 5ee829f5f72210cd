/**
 * A model that cannot load does not take the others down (issue 20): by default the server starts with the
 * models that load, lists the others as UNAVAILABLE with their reason, stays ready, and answers an unknown
 * model with 404 whatever the other models are doing. STRICT_MODEL_LOADING=true restores fail-fast.
 */
import path from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModelLoader } from '../src/models/model-loader.js';
import { ModelRegistry } from '../src/registry.js';
import { ModelRepository, type ModelSource } from '../src/repository.js';
import type { RunningServer } from '../src/server.js';
import { startTestServer } from './support/server.js';
import { startServerProcess, waitForLog, waitUntilReady } from './support/server-process.js';
import {
  addBiasGraph,
  addConfigWithoutOnnx,
  addModel,
  fixedYoloGraph,
  tempRepository,
} from './support/temp-repository.js';

const post = { method: 'POST' } as const;
const rawRequest = (values: number[]) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: values }] }),
});

async function errorOf(response: Response): Promise<[number, string]> {
  const body = (await response.json()) as { error: string };
  expect(Object.keys(body)).toEqual(['error']);
  return [response.status, body.error];
}

/** A detector whose config names an input the graph does not have: fails when its session is checked. */
async function addMismatchedModel(root: string, name: string): Promise<void> {
  await addModel(
    path.join(root, name),
    {
      name,
      platform: 'onnx',
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, 3, 64, 64] }],
      outputs: [{ name: 'output0', datatype: 'FP32', shape: [1, 6, 5] }],
      preprocessing: {
        width: 64,
        height: 64,
        layout: 'NCHW',
        color_order: 'RGB',
        value_range: [0, 1],
        resize: 'letterbox',
      },
      postprocessing: { type: 'yolo', version: 'v8', output: 'output0' },
      labels: ['cat', 'dog'],
    },
    { '1': fixedYoloGraph({ inputSize: 64, dims: [1, 6, 5], values: new Array(30).fill(0) }) },
  );
}

describe('a repository with models that cannot load (default)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph([1, 2, 3]) });
    await addMismatchedModel(root, 'mismatch');
    await addConfigWithoutOnnx(root, 'yolov8n');
    server = await startTestServer({ modelRepository: root });
  });

  it('Should start with the model that loads and report which failed and why', async () => {
    const report = await server.ready;
    expect(report.ready).toEqual(['adder']);
    expect(report.failed).toEqual([
      {
        model: 'mismatch',
        reason: expect.stringMatching(/version 1: config input "pixels" is not in the ONNX graph/),
      },
      { model: 'yolov8n', reason: expect.stringMatching(/has no <version>\/model\.onnx/) },
    ]);
    const ready = await server.app.request('/v2/health/ready');
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true }]);
  });

  it('Should list the failed models as UNAVAILABLE with their reasons in the repository index', async () => {
    const index = await (await server.app.request('/v2/repository/index', post)).json();
    expect(index).toEqual([
      { name: 'adder', version: '1', state: 'READY', reason: '' },
      {
        name: 'mismatch',
        version: '1',
        state: 'UNAVAILABLE',
        reason: expect.stringMatching(/config input "pixels" is not in the ONNX graph/),
      },
      {
        name: 'yolov8n',
        state: 'UNAVAILABLE',
        reason: expect.stringMatching(/has no <version>\/model\.onnx/),
      },
    ]);
    const ready = await server.app.request('/v2/repository/index', { ...post, body: '{"ready":true}' });
    expect(((await ready.json()) as Array<{ name: string }>).map((entry) => entry.name)).toEqual(['adder']);
  });

  it('Should keep serving and stay ready after a failed load; per-model readiness says why', async () => {
    const [status, error] = await errorOf(
      await server.app.request('/v2/repository/models/yolov8n/load', post),
    );
    expect([status, error]).toEqual([400, expect.stringMatching(/cannot load model yolov8n: .*model\.onnx/)]);
    expect((await server.app.request('/v2/health/ready')).status).toBe(200);
    expect(await errorOf(await server.app.request('/v2/models/yolov8n/ready'))).toEqual([
      503,
      expect.stringMatching(/model yolov8n is not ready \(UNAVAILABLE: .*model\.onnx/),
    ]);
    // Its inferences are refused at once as not served (404), not as starting (503, which clients retry).
    expect(
      await errorOf(await server.app.request('/v2/models/yolov8n/infer', rawRequest([1, 1, 1]))),
    ).toEqual([
      404,
      expect.stringMatching(/^model yolov8n is not loaded \(.*model\.onnx.*\); load it again/),
    ]);
    const response = await server.app.request('/v2/models/adder/infer', rawRequest([1, 1, 1]));
    expect(await response.json()).toMatchObject({ outputs: [{ name: 'y', data: [2, 3, 4] }] });
  });

  it.each(['/v2/models/nosuchmodel/infer', '/v2/models/nosuchmodel', '/v2/models/nosuchmodel/ready'])(
    'Should answer %s with 404 while another model is UNAVAILABLE',
    async (route) => {
      const init = route.endsWith('/infer') ? rawRequest([1, 2, 3]) : {};
      expect(await errorOf(await server.app.request(route, init))).toEqual([
        404,
        'unknown model "nosuchmodel"',
      ]);
    },
  );
});

describe('a config that asks for batching a graph cannot do', () => {
  it('Should refuse to load a model with max_batch_size whose graph has a fixed batch of 1, saying why', async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph([1, 2, 3]) });
    await addModel(
      path.join(root, 'fixed'),
      {
        name: 'fixed',
        platform: 'onnx',
        inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 64, 64] }],
        outputs: [{ name: 'output0', datatype: 'FP32', shape: [1, 6, 5] }],
        max_batch_size: 4,
        dynamic_batching: { max_queue_delay_ms: 1 },
      },
      { '1': fixedYoloGraph({ inputSize: 64, dims: [1, 6, 5], values: new Array(30).fill(0) }) },
    );
    const server = await startTestServer({ modelRepository: root });
    expect((await server.ready).failed).toEqual([
      {
        model: 'fixed',
        reason: expect.stringMatching(
          /max_batch_size is 4 but "images" has shape \[1, 3, 64, 64\], without a dynamic batch dimension/,
        ),
      },
    ]);
  });
});

describe('STRICT_MODEL_LOADING=true', () => {
  it('Should fail startup with every reason, and not be ready', async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph() });
    await addMismatchedModel(root, 'mismatch');
    const strict = await startTestServer(
      { modelRepository: root, strictModelLoading: true },
      { waitUntilReady: false },
    );
    await expect(strict.ready).rejects.toThrow(
      /models failed to load \(STRICT_MODEL_LOADING\): mismatch: .*config input "pixels" is not in the ONNX graph/,
    );
    expect(await errorOf(await strict.app.request('/v2/health/ready'))).toEqual([
      503,
      expect.stringMatching(/not ready: mismatch is UNAVAILABLE/),
    ]);
  });

  it('Should be unready while a model it was asked to load is unavailable, and ready once it is unloaded', async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph() });
    const strict = await startTestServer({ modelRepository: root, strictModelLoading: true });
    await addConfigWithoutOnnx(root, 'yolov8n');
    expect((await strict.app.request('/v2/repository/models/yolov8n/load', post)).status).toBe(400);
    expect(await errorOf(await strict.app.request('/v2/health/ready'))).toEqual([
      503,
      expect.stringMatching(/not ready: yolov8n is UNAVAILABLE/),
    ]);
    expect((await strict.app.request('/v2/repository/models/yolov8n/unload', post)).status).toBe(200);
    expect((await strict.app.request('/v2/health/ready')).status).toBe(200);
  });
});

describe('a repository the server cannot serve at all', () => {
  it('Should fail startup when no model loads, with each reason', async () => {
    const { root } = await tempRepository();
    await addMismatchedModel(root, 'mismatch');
    const broken = await startTestServer({ modelRepository: root }, { waitUntilReady: false });
    await expect(broken.ready).rejects.toThrow(
      /no model could be loaded: mismatch: .*config input "pixels" is not in the ONNX graph/,
    );
    expect(await errorOf(await broken.app.request('/v2/health/ready'))).toEqual([
      503,
      expect.stringMatching(/not ready: no model is serving: mismatch is UNAVAILABLE/),
    ]);
  });

  it('Should fail startup when the repository has no model', async () => {
    const { root } = await tempRepository();
    const empty = await startTestServer({ modelRepository: root }, { waitUntilReady: false });
    await expect(empty.ready).rejects.toThrow(/has no models/);
  });
});

describe('while the repository is being read', () => {
  it('Should answer 503 (starting), not 404 (unknown), for any model name', async () => {
    const { root } = await tempRepository();
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph() });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const repository = new (class extends ModelRepository {
      override async list(): Promise<ModelSource[]> {
        await gate;
        return super.list();
      }
    })(root);
    const loader = createModelLoader({
      intraOpThreads: 1,
      interOpThreads: 1,
      threadSpinning: 'never',
      maxImagePixels: 1_000_000,
      modelConcurrency: 1,
      maxQueuedRequests: 1,
      dynamicBatching: true,
    });
    const registry = new ModelRegistry(repository, loader, pino({ level: 'silent' }));
    const loading = registry.loadAll();
    expect(() => registry.resolve('adder')).toThrow(
      expect.objectContaining({ status: 503, message: expect.stringMatching(/repository is being read/) }),
    );
    expect(() => registry.resolve('nosuchmodel')).toThrow(expect.objectContaining({ status: 503 }));
    expect(registry.readiness()).toEqual({ ready: false, reason: 'reading the model repository' });
    open();
    await loading;
    expect(registry.resolve('adder').name).toBe('adder');
    expect(() => registry.resolve('nosuchmodel')).toThrow(expect.objectContaining({ status: 404 }));
    await registry.close();
  });
});

describe('the server process (the issue 20 scenario)', () => {
  let root: string;
  beforeAll(async () => {
    ({ root } = await tempRepository());
    await addModel(path.join(root, 'adder'), null, { '1': addBiasGraph() });
    await addConfigWithoutOnnx(root, 'yolov8n');
  });

  it('Should start without the broken model, refuse its load with 400, stay ready and answer unknown models with 404', async () => {
    const server = await startServerProcess({ MODEL_REPOSITORY: root });
    try {
      await waitUntilReady(server.url);
      expect(
        await waitForLog(
          server,
          'ready: serving the models that loaded; the others are UNAVAILABLE (STRICT_MODEL_LOADING=true makes this fatal)',
        ),
      ).toMatchObject({
        level: 'warn',
        serving: ['adder'],
        unavailable: [{ model: 'yolov8n', reason: expect.stringMatching(/model\.onnx/) }],
      });
      const load = await fetch(`${server.url}/v2/repository/models/yolov8n/load`, post);
      expect(await errorOf(load)).toEqual([400, expect.stringMatching(/cannot load model yolov8n/)]);
      expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
      const unknown = await fetch(`${server.url}/v2/models/nosuchmodel/infer`, rawRequest([1, 2, 3]));
      expect(await errorOf(unknown)).toEqual([404, 'unknown model "nosuchmodel"']);
    } finally {
      await server.stop();
    }
  });

  it('Should exit 1 with the reason in its log with STRICT_MODEL_LOADING=true', async () => {
    const server = await startServerProcess({ MODEL_REPOSITORY: root, STRICT_MODEL_LOADING: 'true' });
    expect(await server.exited).toBe(1);
    expect(server.logs.find((entry) => entry.msg === 'startup failed')).toMatchObject({
      level: 'fatal',
      err: { message: expect.stringMatching(/STRICT_MODEL_LOADING.*yolov8n: .*model\.onnx/) },
    });
  });
});
