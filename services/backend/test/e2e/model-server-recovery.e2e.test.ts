import { readShippedPhoto } from '@detection/test-data';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '../support/database.js';
import { blobOf, multipart } from '../support/images.js';
import { type ChildServer, startModelServer } from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

describe('Model server failures, then recovery (real model server started later)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function app(options: Parameters<typeof createTestApp>[0]): Promise<TestApp> {
    const t = await createTestApp(options);
    cleanups.push(() => t.close());
    return t;
  }
  async function modelServerOn(port: number): Promise<ChildServer> {
    const server = await startModelServer(port);
    cleanups.push(() => server.stop());
    return server;
  }

  it('Should keep a failed upload and finish it with POST /images/{id}/detections once the model server is up', async () => {
    const port = await closedPort();
    const t = await app({ modelServerUrl: `http://127.0.0.1:${port}`, retryDeadlineMs: 300 });
    const photo = readShippedPhoto('000000000086.jpg');

    const failed = await t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(photo), 'later.jpg'),
    });
    const failure = (await failed.json()) as { error: string; image_id: string; status: string };
    expect(failed.status).toBe(503);
    expect(failure.status).toBe('failed');
    expect(failure.error).toMatch(/unavailable/);
    expect(await t.stored()).toMatchObject({ images: 1, runs: 1, objects: 0 });

    await modelServerOn(port);

    const finished = await t.app.request(`/images/${failure.image_id}/detections`, { method: 'POST' });
    const body = (await finished.json()) as {
      status: string;
      error: string | null;
      detection: { count: number };
    };
    expect(finished.status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('completed');
    expect(body.error).toBeNull();
    expect(body.detection.count).toBeGreaterThan(0);

    const meta = (await (await t.app.request(`/images/${failure.image_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({ status: 'completed', error: null, object_count: body.detection.count });
    expect(await t.stored()).toMatchObject({ images: 1, runs: 2, objects: body.detection.count });
  });

  it('Should wait for a model server that comes up while the upload is retrying (cold start)', async () => {
    const port = await closedPort();
    const t = await app({ modelServerUrl: `http://127.0.0.1:${port}`, retryDeadlineMs: 90_000 });
    const pending = t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(readShippedPhoto('000000000165.jpg')), 'cold-start.jpg'),
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await modelServerOn(port);

    const res = await pending;
    const body = (await res.json()) as { image_id: string; status: string; detection: { count: number } };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe('completed');
    const [run] = await query<{ attempts: number; status: string }>(
      t.database,
      'select attempts, status from detection_runs where image_id = ?',
      [body.image_id],
    );
    expect(run!.status).toBe('completed');
    expect(run!.attempts).toBeGreaterThan(1);
    expect((await t.metrics.modelRetries.get()).values[0]?.value).toBe(run!.attempts - 1);
  });

  it('Should answer 504 and keep the image when the model server is slower than the request timeout', async () => {
    const server = await modelServerOn(await closedPort());
    const t = await app({ modelServerUrl: server.url, requestTimeoutMs: 25, retryDeadlineMs: 0 });
    const res = await t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(readShippedPhoto('000000000030.jpg')), 'slow.jpg'),
    });
    const body = (await res.json()) as { error: string; status: string; image_id: string };
    expect(res.status).toBe(504);
    expect(body.error).toMatch(/did not answer within 25 ms/);
    expect(body.status).toBe('failed');
    expect(await t.stored()).toMatchObject({ images: 1, runs: 1, objects: 0 });
  });
});
