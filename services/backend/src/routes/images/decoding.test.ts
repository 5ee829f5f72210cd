/**
 * What an upload decodes to decides whether it is stored, the same way whether the model server decodes it (up) or
 * the backend has to (down); whatever is stored can be drawn, and a stored image that does not decode is a 422.
 */
import path from 'node:path';
import { type RunningServer, settingsFromEnvironment, startModelServer } from '@detection/model-server';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileImage, hostileCorpus, pick } from '../../../test/support/hostile-images.js';
import { blobOf, multipart } from '../../../test/support/images.js';
import { repoRoot } from '../../../test/support/processes.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

const nothingStored = { images: 0, runs: 0, objects: 0, files: [] };
const config = { maxUploadBytes: 8 * 1024 * 1024, annotatedMaxSide: 1024 };

let corpus: HostileImage[];
beforeAll(async () => {
  corpus = await hostileCorpus();
});

const upload = (t: TestApp, image: HostileImage) =>
  t.app.request('/images', {
    method: 'POST',
    body: multipart(blobOf(image.bytes), `upload.${image.format === 'jpeg' ? 'jpg' : image.format}`),
  });

async function expectAnnotated(t: TestApp, imageId: string, format: string) {
  const res = await t.app.request(`/images/${imageId}/annotated`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(`image/${format}`);
  return sharp(Buffer.from(await res.arrayBuffer())).metadata();
}

describe('uploads with the model server up (it decodes under the same policy)', () => {
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
      },
      { logger: pino({ level: 'silent' }), processMetrics: false },
    );
    await modelServer.ready;
    t = await createTestApp({ modelServerUrl: modelServer.url, config });
  });
  afterAll(async () => {
    await t?.close();
    await modelServer?.close();
  });

  it.each([
    'a JPEG cut at 60 % with FF D9 appended',
    'a progressive JPEG cut at 60 % with FF D9 appended',
    'a JPEG cut at 60 %',
    'a PNG cut at 60 % with its IEND chunk appended',
  ])('Should refuse %s with a 400 and store nothing', async (name) => {
    const res = await upload(t, pick(corpus, name));
    const body = (await res.json()) as { error: string };
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatch(/image cannot be decoded \(truncated or corrupt\)/);
    expect(await t.stored()).toEqual(nothingStored);
  });

  it.each(['a JPEG followed by two stray bytes FF DA', 'a JPEG followed by 4 MB of video (Motion Photo)'])(
    'Should accept %s, detect in it, and draw it',
    async (name) => {
      const image = pick(corpus, name);
      const res = await upload(t, image);
      const body = (await res.json()) as { image_id: string; status: string; object_count: number };
      expect(res.status, JSON.stringify(body)).toBe(201);
      expect(body).toMatchObject({ status: 'completed', object_count: expect.any(Number) });
      expect(await expectAnnotated(t, body.image_id, 'jpeg')).toMatchObject({ width: 427, height: 640 });
      expect((await t.app.request(`/images/${body.image_id}`, { method: 'DELETE' })).status).toBe(204);
    },
  );

  it('Should refuse an undecodable image on POST /detect with the same 400', async () => {
    const image = pick(corpus, 'a JPEG cut at 60 % with FF D9 appended');
    const res = await t.app.request('/detect', { method: 'POST', body: multipart(blobOf(image.bytes)) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^the JPEG image cannot be decoded/);
  });
});

describe('uploads with the model server down (the backend decodes under the policy itself)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config });
  });
  afterAll(() => t.close());

  it('Should refuse a JPEG cut at 60 % with FF D9 appended with a 400 and store nothing', async () => {
    const res = await upload(t, pick(corpus, 'a JPEG cut at 60 % with FF D9 appended'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^the JPEG image cannot be decoded \(truncated or corrupt\): .*premature end of data segment/,
    );
    expect(await t.stored()).toEqual(nothingStored);
  });

  it('Should keep a decodable upload as "failed" and draw it', async () => {
    const res = await upload(t, pick(corpus, 'a JPEG followed by two stray bytes FF DA'));
    const body = (await res.json()) as { image_id: string; status: string };
    expect(res.status).toBe(503);
    expect(body.status).toBe('failed');
    expect(await expectAnnotated(t, body.image_id, 'jpeg')).toMatchObject({ width: 427, height: 640 });
  });

  it('Should answer 422, never 500, for a stored image that does not decode (stored before this policy)', async () => {
    const [stored] = (await t.repository.list({ limit: 1, after: null })).items;
    const legacy = pick(corpus, 'a JPEG cut at 60 % with FF D9 appended');
    await t.storage.put(stored!.image.storageKey, legacy.bytes, 'image/jpeg');
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await t.app.request(`/images/${stored!.image.id}/annotated`);
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        error: expect.stringMatching(
          /^the stored JPEG image cannot be drawn: .*premature end of data segment/,
        ),
      });
    }
  });

  it('Should draw a large image at most ANNOTATED_MAX_SIDE pixels wide, boxes scaled with it', async () => {
    const wide = await sharp({ create: { width: 3000, height: 1000, channels: 3, background: '#4070a0' } })
      .png()
      .toBuffer();
    const res = await upload(t, { name: 'wide', bytes: wide, format: 'png', decodes: true });
    const { image_id } = (await res.json()) as { image_id: string };
    expect(res.status).toBe(503);
    expect(await expectAnnotated(t, image_id, 'png')).toMatchObject({ width: 1024, height: 341 });
  });
});
