/**
 * Issue 20: one failed model load must not change how unknown models are handled. The model server runs with
 * STRICT_MODEL_LOADING=true, where a failed `POST /v2/repository/models/<name>/load` makes it unready (as every
 * failed load did before the fix): an unknown model is still a 400 at once, with no retry and nothing stored.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConfigWithoutOnnx } from '../../../model-server/test/support/temp-repository.js';
import { blobOf, multipart, syntheticImage } from '../support/images.js';
import { type ChildServer, repoRoot, startModelServer } from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

describe('Unknown models after a failed model load (real model server, strict readiness)', () => {
  let repository: string;
  let modelServer: ChildServer;
  let t: TestApp;
  let image: Buffer;

  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'backend-repository-'));
    await symlink(
      path.join(repoRoot, 'model/repository/centernet-coco'),
      path.join(repository, 'centernet-coco'),
    );
    modelServer = await startModelServer(await closedPort(), {
      MODEL_REPOSITORY: repository,
      STRICT_MODEL_LOADING: 'true',
    });
    t = await createTestApp({ modelServerUrl: modelServer.url, retryDeadlineMs: 60_000 });
    image = await syntheticImage('jpeg', 160, 120, 5);

    // The README's "add a YOLO export" steps 2–3 without an ONNX file, then a load that fails.
    await addConfigWithoutOnnx(repository);
    const load = await fetch(`${modelServer.url}/v2/repository/models/yolov8n/load`, { method: 'POST' });
    expect(load.status).toBe(400);
    expect((await fetch(`${modelServer.url}/v2/health/ready`)).status).toBe(503);
  });
  afterAll(async () => {
    await t?.close();
    await modelServer?.stop();
    await rm(repository, { recursive: true, force: true });
  });

  it('Should answer /detect?model=nosuchmodel with 400 after one attempt', async () => {
    const res = await t.app.request('/detect?model=nosuchmodel', {
      method: 'POST',
      body: multipart(blobOf(image), 'scene.jpg'),
    });
    const body = (await res.json()) as { error: string };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatch(/model "nosuchmodel" is not available on the model server .*unknown model/);
    expect((await t.metrics.modelRetries.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('Should answer POST /images?model=nosuchmodel with 400 and store nothing', async () => {
    const res = await t.app.request('/images?model=nosuchmodel', {
      method: 'POST',
      body: multipart(blobOf(image), 'scene.jpg'),
    });
    expect(res.status).toBe(400);
    expect(await t.stored()).toEqual({ images: 0, runs: 0, objects: 0, files: [] });
    expect((await t.metrics.modelRetries.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('Should still detect with the model that serves', async () => {
    const res = await t.app.request('/detect', {
      method: 'POST',
      body: multipart(blobOf(image), 'scene.jpg'),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: { name: 'centernet-coco' } });
  });
});
