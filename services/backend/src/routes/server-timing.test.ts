/** The Server-Timing phases each model-running route reports: the ones the README lists, for that route. */
import path from 'node:path';
import { type RunningServer, settingsFromEnvironment, startModelServer } from '@detection/model-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedPhoto } from '../../test/support/hostile-images.js';
import { blobOf, multipart } from '../../test/support/images.js';
import { repoRoot } from '../../test/support/processes.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

/** Phase names in the order they appear, each with a non-negative duration. */
function phases(res: Response): string[] {
  const header = res.headers.get('server-timing') ?? '';
  // Entries are comma-separated; a quoted description may hold commas of its own.
  return (header.match(/(?:[^,"]|"[^"]*")+/g) ?? []).map((entry) => {
    const [name, ...params] = entry.trim().split(';');
    const duration = params.find((param) => param.startsWith('dur='));
    expect(Number(duration?.slice(4)), entry).toBeGreaterThanOrEqual(0);
    return name!;
  });
}

describe('Server-Timing', () => {
  let modelServer: RunningServer;
  let t: TestApp;

  beforeAll(async () => {
    modelServer = await startModelServer(
      {
        ...settingsFromEnvironment({}),
        port: 0,
        host: '127.0.0.1',
        modelRepository: path.join(repoRoot, 'model/repository/blazeface'),
        logLevel: 'silent',
      },
      { logger: pino({ level: 'silent' }), processMetrics: false },
    );
    await modelServer.ready;
    t = await createTestApp({ modelServerUrl: modelServer.url, config: { defaultModel: 'blazeface' } });
  });
  afterAll(async () => {
    await t?.close();
    await modelServer?.close();
  });

  it('Should report receive, validate, model, store and total on POST /images', async () => {
    const res = await t.app.request('/images', { method: 'POST', body: multipart(blobOf(shippedPhoto())) });
    expect(res.status).toBe(201);
    expect(phases(res)).toEqual(['receive', 'validate', 'model', 'store', 'total']);
  });

  it('Should report receive, validate, model and total on POST /detect (nothing is stored)', async () => {
    const res = await t.app.request('/detect', { method: 'POST', body: multipart(blobOf(shippedPhoto())) });
    expect(res.status).toBe(200);
    expect(phases(res)).toEqual(['receive', 'validate', 'model', 'total']);
  });

  it('Should report read, model, store and total on POST /images/{id}/detections', async () => {
    const [stored] = (await t.repository.list({ limit: 1, after: null })).items;
    const res = await t.app.request(`/images/${stored!.image.id}/detections`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(phases(res)).toEqual(['read', 'model', 'store', 'total']);
  });
});
