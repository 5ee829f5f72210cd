import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart, syntheticImage } from '../../../test/support/images.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('Uploads while the model server is down (connection refused)', () => {
  let t: TestApp;
  let image: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ retryDeadlineMs: 400 });
    image = await syntheticImage('png', 80, 60, 3);
  });
  afterAll(() => t.close());

  it('Should keep the image with status "failed" and answer 503 after retrying until the deadline', async () => {
    const started = Date.now();
    const res = await t.app.request('/images?score_threshold=0.4', {
      method: 'POST',
      body: multipart(blobOf(image, 'image/png'), 'scene.png'),
    });
    const body = (await res.json()) as { error: string; image_id: string; status: string };
    expect(res.status).toBe(503);
    expect(body.error).toMatch(
      /detection failed: model server at http:\/\/127\.0\.0\.1:\d+ is unavailable after \d+ attempt/,
    );
    expect(body.error).toMatch(/ECONNREFUSED/);
    expect(body.status).toBe('failed');
    expect(body.image_id).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);

    const stored = await t.stored();
    expect(stored).toMatchObject({ images: 1, runs: 1, objects: 0 });
    expect(stored.files).toEqual([(await t.repository.find(body.image_id))!.image.storageKey]);
    const retries = await t.metrics.modelRetries.get();
    expect(retries.values[0]?.value).toBeGreaterThanOrEqual(1);

    const meta = await t.app.request(`/images/${body.image_id}`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toMatchObject({
      image_id: body.image_id,
      filename: 'scene.png',
      content_type: 'image/png',
      width: 80,
      height: 60,
      size_bytes: image.length,
      status: 'failed',
      error: expect.stringMatching(/unavailable/),
      model: { name: 'centernet-coco', version: null },
      object_count: 0,
    });

    const objects = await t.app.request(`/images/${body.image_id}/objects`);
    expect(await objects.json()).toEqual({ image_id: body.image_id, count: 0, objects: [] });

    const file = await t.app.request(`/images/${body.image_id}/file`);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(image)).toBe(true);
  });

  it('Should answer 409 with the existing id when the same bytes are uploaded again', async () => {
    const res = await t.app.request('/images/', {
      method: 'POST',
      body: multipart(blobOf(image), 'again.png'),
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; image_id: string };
    expect(body.image_id).toMatch(/^[0-9a-f]{64}$/);
    expect(body.error).toMatch(/already uploaded/);
    expect(await t.stored()).toMatchObject({ images: 1, runs: 1 });
  });

  it('Should record a failed re-run and answer 503 on POST /images/{id}/detections', async () => {
    const [first] = (await t.repository.list({ limit: 1, after: null })).items;
    const res = await t.app.request(`/images/${first!.image.id}/detections`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'failed', image_id: first!.image.id });
    expect(await t.stored()).toMatchObject({ images: 1, runs: 2, objects: 0 });
  });

  it('Should answer 503 on POST /detect and store nothing new', async () => {
    const other = await syntheticImage('jpeg', 40, 40, 9);
    const res = await t.app.request('/detect', { method: 'POST', body: multipart(blobOf(other)) });
    expect(res.status).toBe(503);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
    expect(await t.stored()).toMatchObject({ images: 1, runs: 2 });
  });

  it('Should answer 503 on GET /models', async () => {
    const res = await t.app.request('/models');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/cannot list models/);
  });

  it('Should delete the failed image with its file and runs', async () => {
    const [first] = (await t.repository.list({ limit: 1, after: null })).items;
    const res = await t.app.request(`/images/${first!.image.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await t.stored()).toEqual({ images: 0, runs: 0, objects: 0, files: [] });
    expect((await t.app.request(`/images/${first!.image.id}`)).status).toBe(404);
  });
});
