/**
 * MODEL_SERVER_PROTOCOL=grpc end to end: the real model server serving gRPC beside REST, the backend as a process
 * talking gRPC to it (readiness, model list, upload, detect, unknown model), the same detections as over REST, and
 * the gRPC client's retry until the deadline for a model server that is still starting (cold start).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcModelClient } from '../../src/inference/grpc-model-client.js';
import { query } from '../support/database.js';
import { blobOf, multipart } from '../support/images.js';
import {
  backendRoot,
  type ChildServer,
  repoRoot,
  startChildServer,
  startModelServer,
} from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

const shipped = (name: string) => readFileSync(path.join(repoRoot, 'evaluation/dataset/images', name));
const photo = () => shipped('000000000086.jpg');

interface Detection {
  bbox: number[];
  label: string;
  score: number;
}

describe('The backend over gRPC (real model server and backend processes)', () => {
  let modelServer: ChildServer;
  let grpcAddress: string;
  let backend: ChildServer;
  let dataDir: string;
  let rest: TestApp;

  beforeAll(async () => {
    const grpcPort = await closedPort();
    grpcAddress = `127.0.0.1:${grpcPort}`;
    modelServer = await startModelServer(await closedPort(), { GRPC_PORT: String(grpcPort) });
    dataDir = await mkdtemp(path.join(tmpdir(), 'backend-grpc-'));
    backend = await startChildServer({
      args: ['--import', 'tsx', 'src/index.ts'],
      cwd: backendRoot,
      env: {
        HOST: '127.0.0.1',
        MODEL_SERVER_PROTOCOL: 'grpc',
        MODEL_SERVER_GRPC_ADDRESS: grpcAddress,
        // REST is not what it uses: nothing listens there.
        MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
        DATABASE_PATH: path.join(dataDir, 'detections.sqlite'),
        STORAGE_DIR: path.join(dataDir, 'images'),
        WEB_UI_DIR: path.join(dataDir, 'no-ui'),
        LOG_LEVEL: 'warn',
      },
      port: await closedPort(),
      readyPath: '/health',
      readyTimeoutMs: 60_000,
    });
    rest = await createTestApp({ modelServerUrl: modelServer.url });
  });
  afterAll(async () => {
    await rest?.close();
    await backend?.stop();
    await modelServer?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('Should report the model server ready over gRPC', async () => {
    const body = (await (await fetch(`${backend.url}/ready`)).json()) as {
      checks: { model_server: { status: string } };
    };
    expect(body.checks.model_server).toMatchObject({ status: 'ready' });
    // /ready is public: it says whether the model server answers, not where it is.
    expect(JSON.stringify(body)).not.toContain(grpcAddress);
  });

  it('Should list the models from the repository index', async () => {
    const body = (await (await fetch(`${backend.url}/models`)).json()) as {
      models: Array<{ name: string; version: string; state: string }>;
    };
    expect(body.models.map(({ name, version, state }) => `${name} ${version} ${state}`)).toEqual([
      'blazeface 1 READY',
      'centernet-coco 1 READY',
    ]);
  });

  it('Should store an upload detected over gRPC, with the same detections as over REST', async () => {
    const uploaded = await fetch(`${backend.url}/images?score_threshold=0.3`, {
      method: 'POST',
      body: multipart(blobOf(photo()), 'motorbike.jpg'),
    });
    const stored = (await uploaded.json()) as {
      status: string;
      model: { name: string; version: string };
      detection: { detections: Detection[] };
    };
    expect(uploaded.status, JSON.stringify(stored)).toBe(201);
    expect(stored).toMatchObject({ status: 'completed', model: { name: 'centernet-coco', version: '1' } });
    expect(stored.detection.detections.map((d) => d.label)).toContain('person');

    const overRest = await rest.app.request('/detect?score_threshold=0.3', {
      method: 'POST',
      body: multipart(blobOf(photo()), 'motorbike.jpg'),
    });
    const summary = (detections: Detection[]) =>
      detections.map(({ bbox, label, score }) => [bbox, label, score]);
    expect(
      summary(((await overRest.json()) as { detection: { detections: Detection[] } }).detection.detections),
    ).toEqual(summary(stored.detection.detections));
  });

  it('Should answer an unknown model with 400 at once and store nothing', async () => {
    const response = await fetch(`${backend.url}/images?model=nosuchmodel`, {
      method: 'POST',
      body: multipart(blobOf(shipped('000000000370.jpg')), 'other.jpg'),
    });
    const body = (await response.json()) as { error: string };
    expect(response.status).toBe(400);
    expect(body.error).toMatch(
      /model "nosuchmodel" is not available on the model server .*NOT_FOUND: unknown model/,
    );
    const list = (await (await fetch(`${backend.url}/images`)).json()) as { images: unknown[] };
    expect(list.images).toHaveLength(1);
  });
});

describe('The gRPC model client and a model server that is still starting (cold start)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('Should retry until the model server listens and serves, then store the upload', async () => {
    const grpcPort = await closedPort();
    const t = await createTestApp({
      modelClient: (onRetry) =>
        new GrpcModelClient({
          address: `127.0.0.1:${grpcPort}`,
          requestTimeoutMs: 30_000,
          retryDeadlineMs: 90_000,
          onRetry,
        }),
    });
    cleanups.push(() => t.close());
    const pending = t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(photo()), 'cold.jpg'),
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const modelServer = await startModelServer(await closedPort(), { GRPC_PORT: String(grpcPort) });
    cleanups.push(() => modelServer.stop());

    const response = await pending;
    const body = (await response.json()) as { image_id: string; status: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe('completed');
    const [run] = await query<{ attempts: number }>(
      t.database,
      'select attempts from detection_runs where image_id = ?',
      [body.image_id],
    );
    if (!run) throw new Error('no detection run stored');
    expect(run.attempts).toBeGreaterThan(1);
    expect((await t.metrics.modelRetries.get()).values[0]?.value).toBe(run.attempts - 1);
  });

  it('Should give up at the deadline as "unavailable" and keep the image as failed', async () => {
    const port = await closedPort();
    const t = await createTestApp({
      modelClient: (onRetry) =>
        new GrpcModelClient({
          address: `127.0.0.1:${port}`,
          requestTimeoutMs: 2_000,
          retryDeadlineMs: 300,
          onRetry,
        }),
    });
    cleanups.push(() => t.close());
    const response = await t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(photo()), 'down.jpg'),
    });
    const body = (await response.json()) as { error: string; status: string };
    expect(response.status).toBe(503);
    expect(body).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(
        new RegExp(`grpc://127\\.0\\.0\\.1:${port} is unavailable after \\d+ attempt`),
      ),
    });
  });
});
