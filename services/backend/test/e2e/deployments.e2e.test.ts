/**
 * Model deployments in local mode against the real model server and a temporary model repository holding
 * blazeface: deploy, detections routed by version, canary, promote, roll back, the automatic fallback from a
 * deliberately broken model file (detections keep working meanwhile), expiry of a rollout nobody watches, bad
 * input and conflicts, delete (the model server unloads the model).
 */
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentView } from '../../src/deployments/deployment-view.js';
import { RestModelClient } from '../../src/inference/rest-model-client.js';
import { type ChildServer, repoRoot, startModelServer } from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

type Answer = DeploymentView & { error?: string; deployment?: DeploymentView };

describe('Deployments on the local model server', () => {
  let repository: string;
  let modelServer: ChildServer;
  let t: TestApp;
  let photo: Buffer;

  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'backend-deployments-'));
    await cp(path.join(repoRoot, 'model/repository/blazeface'), path.join(repository, 'blazeface'), {
      recursive: true,
    });
    modelServer = await startModelServer(await closedPort(), { MODEL_REPOSITORY: repository });
    t = await createTestApp({ modelServerUrl: modelServer.url, retryDeadlineMs: 10_000 });
    photo = await import('node:fs/promises').then((fs) =>
      fs.readFile(path.join(repoRoot, 'samples/astronaut.jpg')),
    );
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await modelServer?.stop();
    await rm(repository, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await t.app.request(url, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as Answer };
  };
  const deploy = (body: Record<string, unknown>) =>
    call('POST', '/deployments', { model: 'blazeface', ...body });

  /** Polls the deployment until it leaves `deploying` (the UI does the same). */
  async function settled(name: string): Promise<Answer> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { status, body } = await call('GET', `/deployments/${name}`);
      expect(status, JSON.stringify(body)).toBe(200);
      if (body.state !== 'deploying' || Date.now() > deadline) return body;
      await t.deployments.idle();
    }
  }

  /** The version each of `count` detections with model=blazeface ran on (as one client, with `clientId`). */
  async function detectedVersions(count: number, clientId?: string): Promise<string[]> {
    const versions: string[] = [];
    for (let i = 0; i < count; i++) {
      const form = new FormData();
      form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'astronaut.jpg');
      const res = await t.app.request('/detect?model=blazeface', {
        method: 'POST',
        body: form,
        ...(clientId !== undefined && { headers: { 'x-client-id': clientId } }),
      });
      const body = (await res.json()) as { model: { version: string }; detection: { count: number } };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.detection.count).toBeGreaterThan(0);
      versions.push(body.model.version);
    }
    return versions;
  }

  const addVersion = async (version: string, broken = false) => {
    const folder = path.join(repository, 'blazeface', version);
    await mkdir(folder, { recursive: true });
    if (broken) await writeFile(path.join(folder, 'model.onnx'), 'this is not an ONNX model');
    else await copyFile(path.join(repository, 'blazeface/1/model.onnx'), path.join(folder, 'model.onnx'));
  };

  it('Should refuse bad input with 4xx and say what was wrong', async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [
        { model: 'facemesh', version: '1' },
        404,
        /^unknown model facemesh: the model repository has blazeface$/,
      ],
      [{ version: '2' }, 404, /^unknown version 2 of model blazeface: the model repository has version 1$/],
      [
        { version: '1', min_replicas: 3, max_replicas: 2 },
        400,
        /min_replicas must not be more than max_replicas/,
      ],
      [{ version: '1', min_replicas: -1 }, 400, /min_replicas/],
      [{ version: '1', max_replicas: 1_000_000 }, 400, /max_replicas/],
      [{ version: '1', target_concurrency: 0 }, 400, /target_concurrency/],
      [{ version: 'latest' }, 400, /must be a model version number/],
      [{ model: 'Blaze_Face', version: '1' }, 400, /must be a Kubernetes name/],
      [{ model: `a${'b'.repeat(45)}`, version: '1' }, 400, /at most 45 characters/],
      [{ version: '1', canary_percent: 100 }, 400, /canary_percent/],
      [{ version: '1', canary_percent: 20 }, 409, /has no running version to share traffic with/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await deploy(body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error).toMatch(message);
    }
    expect((await call('GET', '/deployments/Not_A_Name')).status).toBe(400);
    expect((await call('GET', '/deployments/blazeface')).body.error).toBe('no deployment named blazeface');
    expect((await call('GET', '/deployments')).body).toEqual({ target: 'local', deployments: [] });
  });

  it('Should deploy version 1, go ready, and send model=blazeface detections to it', async () => {
    const created = await deploy({ version: '1', min_replicas: 0, max_replicas: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'deploying', versions: { rolling_out: '1' }, generation: 1 });
    const ready = await settled('blazeface');
    expect(ready).toMatchObject({
      state: 'ready',
      target: 'local',
      versions: { stable: '1', canary: null, rolling_out: null },
      traffic: [{ version: '1', percent: 100 }],
      replicas: { current: null, min: 0, max: 2, scaling: 'not_applicable' },
      url: `${modelServer.url}/v2/models/blazeface`,
      failure_reason: null,
    });
    expect(ready.history?.map((event) => event.action)).toEqual(['deploy', 'ready']);
    expect(await detectedVersions(2)).toEqual(['1', '1']);
    const list = await call('GET', '/deployments');
    expect((list.body as unknown as { deployments: DeploymentView[] }).deployments).toHaveLength(1);
  });

  it('Should send a detection to a deployment’s own server when its target names one (Kubernetes)', async () => {
    const client = new RestModelClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      requestTimeoutMs: 30_000,
      retryDeadlineMs: 0,
    });
    const result = await client.detect(photo, {
      model: 'blazeface',
      version: '1',
      baseUrl: `${modelServer.url}/`,
    });
    expect(result).toMatchObject({ modelName: 'blazeface', modelVersion: '1' });
    expect(result.detections.length).toBeGreaterThan(0);
  });

  it('Should change scaling in place (200), reported as not applicable locally', async () => {
    const scaled = await deploy({ version: '1', min_replicas: 1, max_replicas: 3, target_concurrency: 8 });
    expect(scaled.status).toBe(200);
    expect(scaled.body).toMatchObject({
      state: 'ready',
      replicas: { min: 1, max: 3, scaling: 'not_applicable' },
      target_concurrency: 8,
    });
  });

  it('Should run version 2 as a canary for half the requests, then promote it', async () => {
    await addVersion('2');
    const canary = await deploy({ version: '2', canary_percent: 50, min_replicas: 1, max_replicas: 3 });
    expect(canary.status).toBe(202);
    expect(canary.body.traffic).toEqual([{ version: '1', percent: 100 }]);
    const ready = await settled('blazeface');
    expect(ready).toMatchObject({
      state: 'ready',
      versions: { stable: '1', canary: '2' },
      traffic: [
        { version: '1', percent: 50 },
        { version: '2', percent: 50 },
      ],
    });
    const versions = await detectedVersions(30);
    expect(new Set(versions)).toEqual(new Set(['1', '2']));
    // One client (X-Client-Id) sees one version throughout the canary; clients differ.
    const perClient = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map(async (id) => new Set(await detectedVersions(4, `session-${id}`))),
    );
    expect(perClient.every((seen) => seen.size === 1)).toBe(true);
    expect(new Set(perClient.flatMap((seen) => [...seen]))).toEqual(new Set(['1', '2']));
    const viaUrl = await t.app.request(
      `/detect?model=blazeface&image_url=${encodeURIComponent('http://127.0.0.1:1/none.jpg')}`,
      { headers: { 'x-client-id': 'has space' } },
    );
    expect([viaUrl.status, await viaUrl.json()]).toEqual([
      400,
      { error: expect.stringMatching(/x-client-id.*printable ASCII without spaces/) },
    ]);

    const promoted = await call('POST', '/deployments/blazeface/promote');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({
      versions: { stable: '2', canary: null, previous: '1' },
      traffic: [{ version: '2', percent: 100 }],
    });
    expect(await detectedVersions(3)).toEqual(['2', '2', '2']);
    const again = await call('POST', '/deployments/blazeface/promote');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/no canary to promote/);
    expect(again.body.deployment?.versions.stable).toBe('2');
  });

  it('Should roll back to the previous version, and refuse a second roll back with nothing left', async () => {
    const rolledBack = await call('POST', '/deployments/blazeface/rollback');
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({
      versions: { stable: '1', previous: null },
      traffic: [{ version: '1', percent: 100 }],
    });
    expect(await detectedVersions(2)).toEqual(['1', '1']);
    const nothing = await call('POST', '/deployments/blazeface/rollback');
    expect(nothing.status).toBe(409);
    expect(nothing.body.error).toMatch(/no canary and no previous version/);
  });

  it('Should drop a canary on roll back', async () => {
    await deploy({ version: '2', canary_percent: 10 });
    expect((await settled('blazeface')).versions.canary).toBe('2');
    const dropped = await call('POST', '/deployments/blazeface/rollback');
    expect(dropped.body).toMatchObject({
      versions: { stable: '1', canary: null },
      traffic: [{ version: '1', percent: 100 }],
    });
  });

  it('Should fall back from a broken model file: traffic stays on version 1 and the deployment says why', async () => {
    await addVersion('3', true);
    const started = await deploy({ version: '3' });
    expect(started.status).toBe(202);
    // Detections keep working on version 1 while version 3 is being tried.
    const during = detectedVersions(3);
    const settledState = await settled('blazeface');
    expect(await during).toEqual(['1', '1', '1']);
    expect(settledState).toMatchObject({
      state: 'ready',
      versions: { stable: '1', rolling_out: null },
      traffic: [{ version: '1', percent: 100 }],
    });
    expect(settledState.failure_reason).toMatch(/^version 3 was not deployed: .*version 3/);
    expect(settledState.message).toMatch(/rolled back: version 1 keeps serving/);
    expect(settledState.history?.at(-1)).toMatchObject({ action: 'fallback', version: '1' });
    expect(await detectedVersions(2)).toEqual(['1', '1']);
    await rm(path.join(repository, 'blazeface/3'), { recursive: true });
  });

  it('Should answer 404 at once for a version the repository does not have, recording nothing', async () => {
    const before = await t.database.deployments.find('blazeface');
    const missing = await deploy({ version: '9' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: 'unknown version 9 of model blazeface: the model repository has version 1, 2',
    });
    const canary = await deploy({ version: '9', canary_percent: 10 });
    expect([canary.status, canary.body.error]).toEqual([404, missing.body.error]);
    expect(await t.database.deployments.find('blazeface')).toEqual(before);
  });

  it('Should roll back a rollout whose deadline passed with nobody watching it (its replica stopped)', async () => {
    const current = await t.database.deployments.find('blazeface');
    await t.database.deployments.update(
      'blazeface',
      current!.generation,
      { phase: 'deploying', rolloutVersion: '2', rolloutDeadlineAt: Date.now() - 1 },
      { action: 'deploy', version: '2', detail: 'deploy version 2' },
      Date.now(),
    );
    const expired = await call('GET', '/deployments/blazeface');
    expect(expired.body).toMatchObject({ state: 'ready', versions: { stable: '1', rolling_out: null } });
    expect(expired.body.failure_reason).toBe(
      'version 2 was not deployed: it did not become ready within 60 s',
    );
  });

  it('Should let one of two concurrent conflicting updates through and answer the other 409 with the current state', async () => {
    const [a, b] = await Promise.all([
      deploy({ version: '2' }),
      deploy({ version: '2', canary_percent: 30 }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([202, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error).toMatch(/cannot change now/);
    expect(loser.body.deployment?.name).toBe('blazeface');
    await settled('blazeface');
  });

  it('Should refuse changes while a rollout runs (409 with the current state), yet allow a delete', async () => {
    const current = await t.database.deployments.find('blazeface');
    await t.database.deployments.update(
      'blazeface',
      current!.generation,
      { phase: 'deploying', rolloutVersion: '2', rolloutDeadlineAt: Date.now() + 600_000 },
      { action: 'deploy', version: '2', detail: 'deploy version 2' },
      Date.now(),
    );
    for (const [method, url, body] of [
      ['POST', '/deployments', { model: 'blazeface', version: '1', max_replicas: 5 }],
      ['POST', '/deployments/blazeface/promote', undefined],
      ['POST', '/deployments/blazeface/rollback', undefined],
    ] as const) {
      const busy = await call(method, url, body);
      expect(busy.status, url).toBe(409);
      expect(busy.body.error).toMatch(/version 2 is being rolled out/);
      expect(busy.body.deployment).toMatchObject({ state: 'deploying', versions: { rolling_out: '2' } });
    }
  });

  it('Should delete the deployment and unload the model from the model server', async () => {
    expect((await call('DELETE', '/deployments/blazeface')).status).toBe(204);
    expect((await call('GET', '/deployments/blazeface')).status).toBe(404);
    expect((await call('DELETE', '/deployments/blazeface')).status).toBe(404);
    const index = (await (
      await fetch(`${modelServer.url}/v2/repository/index`, { method: 'POST' })
    ).json()) as Array<{
      name: string;
      state: string;
      reason: string;
    }>;
    expect(index).toEqual(
      ['1', '2'].map((version) => ({ name: 'blazeface', version, state: 'UNAVAILABLE', reason: 'unloaded' })),
    );

    // A detection with the unloaded model is refused at once in plain words, not retried as a starting server.
    const form = new FormData();
    form.append('file', new Blob([photo], { type: 'image/jpeg' }), 'astronaut.jpg');
    const res = await t.app.request('/detect?model=blazeface', { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: expect.stringMatching(
        /^model "blazeface" is not available on the model server \(model server answered 404: model blazeface is not loaded \(unloaded\)/,
      ),
    });
  });
});

describe('Deployments with the model server down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('Should answer 503 with the reason, and create nothing', async () => {
    const res = await t.app.request('/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'blazeface', version: '1' }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe(
      `cannot check the model: the model server at ${t.modelServerUrl} is unreachable`,
    );
    expect(await t.database.deployments.list()).toEqual([]);
    const list = await t.app.request('/deployments');
    expect(list.status).toBe(200);
  });

  it('Should put a promote back when the target cannot take it (503, nothing half-applied)', async () => {
    const now = Date.now();
    await t.database.deployments.create(
      {
        name: 'blazeface',
        phase: 'ready',
        stableVersion: '1',
        canaryVersion: '2',
        canaryPercent: 20,
        previousVersion: null,
        rolloutVersion: null,
        rolloutCanaryPercent: null,
        rolloutDeadlineAt: null,
        minReplicas: 0,
        maxReplicas: 1,
        targetConcurrency: 4,
        failureReason: null,
        message: 'version 2 is ready and takes 20% of requests as a canary',
        createdAt: now,
        updatedAt: now,
        lastTransitionAt: now,
      },
      { action: 'canary', version: '2', detail: 'canary' },
    );
    const res = await t.app.request('/deployments/blazeface/promote', { method: 'POST' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe(
      `cannot promote blazeface, nothing was changed: the model server at ${t.modelServerUrl} is unreachable`,
    );
    expect(await t.database.deployments.find('blazeface')).toMatchObject({
      stableVersion: '1',
      canaryVersion: '2',
      canaryPercent: 20,
      previousVersion: null,
      generation: 3,
    });
    expect((await t.database.deployments.history('blazeface', 5)).map((event) => event.action)).toEqual([
      'canary',
      'promote',
      'failed',
    ]);
    const remove = await t.app.request('/deployments/blazeface', { method: 'DELETE' });
    expect(remove.status).toBe(503);
    expect((await t.database.deployments.find('blazeface'))?.phase).toBe('ready');
  });
});
