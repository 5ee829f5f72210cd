/**
 * Backpressure: heavy requests beyond the backend's own limits are refused at once with 503 and Retry-After, before
 * their body is read; a model server whose queue is full (503 with Retry-After) is passed on at once, not retried.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type RunningServer, settingsFromEnvironment, startModelServer } from '@detection/model-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedPhoto } from '../../../test/support/hostile-images.js';
import { blobOf, multipart } from '../../../test/support/images.js';
import { repoRoot } from '../../../test/support/processes.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import type { AppConfig } from '../../app.js';

const limit = (maxInFlight: number, maxQueued: number, queueTimeoutMs = 10_000) => ({
  maxInFlight,
  maxQueued,
  queueTimeoutMs,
});

/**
 * A POST of a multipart upload of `bytes` whose body is handed out chunk by chunk, each only when the server reads
 * (never ahead), after `beforeChunk(index)` resolves.
 */
function streamedUpload(
  bytes: Uint8Array,
  filename: string | undefined,
  beforeChunk: (index: number) => unknown,
) {
  const form = new Response(multipart(blobOf(bytes), filename));
  const source = form.body!.getReader();
  let index = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        await beforeChunk(index++);
        const { done, value } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'content-type': form.headers.get('content-type')! },
  } as RequestInit;
}

/** A multipart upload whose body stops after its first chunk until `finish` is called. */
function stalledUpload(bytes: Uint8Array, filename: string) {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const init = streamedUpload(bytes, filename, (index) => (index === 1 ? finished : undefined));
  return { init, finish };
}

/** A multipart upload whose body records whether anyone started reading it. */
function watchedUpload(bytes: Uint8Array) {
  const watched = { pulls: 0 };
  const init = streamedUpload(bytes, undefined, () => {
    watched.pulls += 1;
  });
  return { init, watched };
}

const inFlight = async (t: TestApp, work: string) =>
  (await t.metrics.admissionInFlight.get()).values.find((value) => value.labels.work === work)?.value ?? 0;

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('admission control (model server down: an upload holds its slot while it retries)', () => {
  let t: TestApp;
  const admission: AppConfig['admission'] = {
    uploads: limit(1, 1, 300),
    videoUploads: limit(1, 0),
    detections: limit(1, 0),
    annotations: limit(1, 0),
  };

  beforeAll(async () => {
    t = await createTestApp({ retryDeadlineMs: 1_500, config: { admission } });
  });
  afterAll(() => t.close());

  it('Should refuse an upload beyond the limit and the queue at once with 503 and Retry-After, without reading its body', async () => {
    const photo = shippedPhoto();
    const first = t.app.request('/images', { method: 'POST', body: multipart(blobOf(photo)) });
    await until(async () => (await inFlight(t, 'uploads')) === 1);
    const queued = t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(shippedPhoto('000000000086.jpg'))),
    });

    const refused = watchedUpload(shippedPhoto('000000000092.jpg'));
    const started = performance.now();
    const res = await t.app.request('/images', refused.init);
    expect(performance.now() - started).toBeLessThan(500);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      error: 'the server is busy: 1 uploads in progress and 1 waiting; retry in 1 s',
    });
    expect(refused.watched.pulls).toBe(0);

    // The queued one waited 300 ms for a slot, then was refused the same way.
    const timedOut = await queued;
    expect(timedOut.status).toBe(503);
    expect(timedOut.headers.get('retry-after')).toBe('1');
    expect(((await timedOut.json()) as { error: string }).error).toMatch(
      /no uploads slot was free within 300 ms/,
    );

    // Only the admitted upload was stored (as "failed": the model server is down).
    const admitted = await first;
    expect(admitted.status).toBe(503);
    expect(admitted.headers.get('retry-after')).toBeNull();
    expect(await t.stored()).toMatchObject({ images: 1, runs: 1 });
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('backend_work_refused_total{work="uploads",reason="queue_full"} 1');
    expect(text).toContain('backend_work_refused_total{work="uploads",reason="queue_timeout"} 1');
  });

  it('Should give video uploads their own limit: a video being received refuses the next one, not images', async () => {
    const held = stalledUpload(new Uint8Array(256 * 1024).fill(7), 'held.mp4');
    const first = t.app.request('/videos', held.init);
    await until(async () => (await inFlight(t, 'video uploads')) === 1);
    expect(await inFlight(t, 'video uploads')).toBe(1);

    const refused = watchedUpload(new Uint8Array(1024).fill(1));
    const res = await t.app.request('/videos', refused.init);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      error: 'the server is busy: 1 video uploads in progress and 0 waiting; retry in 1 s',
    });
    expect(refused.watched.pulls).toBe(0);
    // Image uploads have their own slots.
    expect(await inFlight(t, 'uploads')).toBe(0);

    held.finish();
    const done = await first;
    expect(done.status).toBe(400);
    expect(((await done.json()) as { error: string }).error).toMatch(/not a readable video/);
    expect(await inFlight(t, 'video uploads')).toBe(0);
    expect(await t.storedVideos()).toMatchObject({ videos: 0, jobs: 0, pendingBlobs: 0 });
  });

  it('Should limit POST /detect, re-detection and annotated images by their own kind', async () => {
    const [stored] = (await t.repository.list({ limit: 1, after: null })).items;
    const id = stored!.image.id;
    const held = t.app.request(`/images/${id}/detections`, { method: 'POST' });
    await until(async () => (await inFlight(t, 'detections')) === 1);
    const detect = await t.app.request('/detect', {
      method: 'POST',
      body: multipart(blobOf(shippedPhoto())),
    });
    expect(detect.status).toBe(503);
    expect(detect.headers.get('retry-after')).toBe('1');
    expect(((await detect.json()) as { error: string }).error).toMatch(/1 detections in progress/);
    // Other kinds are not affected.
    expect((await t.app.request(`/images/${id}/annotated`)).status).toBe(200);
    expect((await t.app.request(`/images/${id}`)).status).toBe(200);
    expect((await held).status).toBe(503);
  });
});

describe('a model server whose queue is full (real model server, one slot, no queue)', () => {
  let modelServer: RunningServer;
  let t: TestApp;

  beforeAll(async () => {
    modelServer = await startModelServer(
      {
        ...settingsFromEnvironment({}),
        port: 0,
        host: '127.0.0.1',
        modelRepository: path.join(repoRoot, 'model/repository/centernet-coco'),
        logLevel: 'silent',
        modelConcurrency: 1,
        maxQueuedRequests: 0,
      },
      { logger: pino({ level: 'silent' }), processMetrics: false },
    );
    await modelServer.ready;
    // A long retry deadline: a busy answer must not wait for it.
    t = await createTestApp({
      modelServerUrl: modelServer.url,
      retryDeadlineMs: 60_000,
      config: {
        admission: {
          uploads: limit(8, 8),
          videoUploads: limit(1, 0),
          detections: limit(8, 8),
          annotations: limit(1, 0),
        },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await modelServer?.close();
  });

  it('Should pass the busy answer on at once as 503 with Retry-After, storing nothing and retrying nothing', async () => {
    const photos = fs
      .readdirSync(path.join(repoRoot, 'evaluation/dataset/images'))
      .slice(0, 6)
      .map((name) => shippedPhoto(name));
    const started = performance.now();
    const responses = await Promise.all(
      photos.map((photo) => t.app.request('/images', { method: 'POST', body: multipart(blobOf(photo)) })),
    );
    expect(performance.now() - started).toBeLessThan(30_000);
    const statuses = responses.map((res) => res.status);
    expect(
      statuses.every((status) => status === 201 || status === 503),
      String(statuses),
    ).toBe(true);
    const busy = responses.filter((res) => res.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const res of busy) {
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: expect.stringMatching(
          /^the model server is busy \(model server answered 503: model centernet-coco version 1 is busy: .*\); nothing was stored, retry in 1 s$/,
        ),
      });
    }
    const created = statuses.filter((status) => status === 201).length;
    expect(await t.stored()).toMatchObject({ images: created, runs: created });
    expect((await t.stored()).files).toHaveLength(created);
    expect((await t.metrics.modelRetries.get()).values[0]?.value ?? 0).toBe(0);
    expect(await t.metrics.registry.metrics()).toMatch(
      /backend_model_requests_total\{model="centernet-coco",outcome="overloaded"\} [1-9]/,
    );
  });
});
