import path from 'node:path';
import { iou, readShippedPhoto, shippedPhoto, shippedPhotos } from '@detection/test-data';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStorage } from '../../src/storage/s3-storage.js';
import { query } from '../support/database.js';
import { type LocalHttpServer, startHttpServer } from '../support/http-server.js';
import { blobOf, multipart } from '../support/images.js';
import { type ChildServer, startModelServer } from '../support/processes.js';
import { listObjectKeys, type RunningS3Server, startS3Server } from '../support/s3-server.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';

interface Detection {
  object_id: string;
  bbox: [number, number, number, number];
  centroid: [number, number];
  radius: number;
  label: string;
  class_id: number;
  score: number;
}
interface UploadBody {
  image_id: string;
  filename: string;
  content_type: string;
  width: number;
  height: number;
  size_bytes: number;
  created_at: string;
  status: string;
  model: { name: string; version: string | null };
  object_count: number;
  detection: { count: number; detections: Detection[] };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('End to end against the real model server (centernet-coco) on real COCO photos', () => {
  let modelServer: ChildServer;
  let t: TestApp;
  let photoServer: LocalHttpServer;

  beforeAll(async () => {
    modelServer = await startModelServer(await closedPort());
    t = await createTestApp({
      modelServerUrl: modelServer.url,
      retryDeadlineMs: 10_000,
      config: { maxUploadBytes: 5 * 1024 * 1024, urlFetch: { allowPrivate: true, timeoutMs: 5_000 } },
    });
    photoServer = await startHttpServer((req, res) => {
      const name = path.basename(req.url ?? '');
      if (shippedPhotos.some((photo) => photo.name === name)) {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.end(readShippedPhoto(name));
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  afterAll(async () => {
    await t?.close();
    await photoServer?.close();
    await modelServer?.stop();
  });

  const upload = async (bytes: Uint8Array, filename: string, query = '') => {
    const res = await t.app.request(`/images${query}`, {
      method: 'POST',
      body: multipart(blobOf(bytes), filename),
    });
    return { res, body: (await res.json()) as UploadBody };
  };

  it('Should store an upload with objects that match the photo’s ground truth', async () => {
    const photo = readShippedPhoto('000000000086.jpg');
    const { res, body } = await upload(photo, '000000000086.jpg');
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(res.headers.get('location')).toBe(`/images/${body.image_id}`);
    const timing = res.headers.get('server-timing') ?? '';
    for (const metric of ['receive', 'validate', 'model', 'store', 'total']) {
      expect(timing, metric).toMatch(new RegExp(`(^|,\\s?)${metric};dur=[\\d.]+`));
    }
    expect(body).toMatchObject({
      filename: '000000000086.jpg',
      content_type: 'image/jpeg',
      width: 512,
      height: 640,
      size_bytes: photo.length,
      status: 'completed',
      model: { name: 'centernet-coco', version: '1' },
    });
    expect(body.image_id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(body.created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(body.detection.count).toBe(body.detection.detections.length);
    expect(body.object_count).toBe(body.detection.count);

    const detections = body.detection.detections;
    for (const d of detections) {
      expect(d.object_id).toMatch(uuid);
      expect(d.bbox.every(Number.isInteger)).toBe(true);
      expect(d.bbox[0]).toBeGreaterThanOrEqual(0);
      expect(d.bbox[1]).toBeGreaterThanOrEqual(0);
      expect(d.bbox[2]).toBeLessThanOrEqual(512);
      expect(d.bbox[3]).toBeLessThanOrEqual(640);
      expect(d.bbox[2]).toBeGreaterThan(d.bbox[0]);
      expect(d.centroid).toEqual([(d.bbox[0] + d.bbox[2]) / 2, (d.bbox[1] + d.bbox[3]) / 2]);
      expect(d.radius).toBeCloseTo(Math.hypot(d.bbox[2] - d.bbox[0], d.bbox[3] - d.bbox[1]) / 2, 1);
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThanOrEqual(1);
    }
    expect(detections.map((d) => d.score)).toEqual([...detections.map((d) => d.score)].sort((a, b) => b - a));

    // Ground truth: a person on a motorcycle. CenterNet finds the person and calls the motorcycle a bicycle.
    const truths = shippedPhoto('000000000086.jpg').objects.filter((object) => !object.crowd);
    const bestMatch = (label: string, accepted: string[]) =>
      Math.max(
        0,
        ...detections
          .filter((d) => accepted.includes(d.label))
          .map((d) => iou(d.bbox, truths.find((g) => g.label === label)!.box)),
      );
    expect(bestMatch('person', ['person'])).toBeGreaterThanOrEqual(0.5);
    expect(bestMatch('motorcycle', ['motorcycle', 'bicycle'])).toBeGreaterThanOrEqual(0.5);

    const stored = await t.stored();
    expect(stored).toMatchObject({ images: 1, runs: 1, objects: body.detection.count });
    expect(stored.files).toEqual([(await t.repository.find(body.image_id))!.image.storageKey]);
  });

  it('Should answer the stored image, its objects and single objects consistently', async () => {
    const [item] = (await t.repository.list({ limit: 1, after: null })).items;
    const id = item!.image.id;

    const meta = (await (await t.app.request(`/images/${id}`)).json()) as {
      object_count: number;
      status: string;
    };
    expect(meta).toMatchObject({ status: 'completed' });

    const listed = (await (await t.app.request(`/images/${id}/objects`)).json()) as {
      image_id: string;
      count: number;
      objects: { object_id: string; bbox: number[]; label: string; score: number }[];
    };
    expect(listed.image_id).toBe(id);
    expect(listed.count).toBe(meta.object_count);
    expect(Object.keys(listed.objects[0]!).sort()).toEqual(['bbox', 'label', 'object_id', 'score']);

    const people = (await (
      await t.app.request(`/images/${id}/objects?label=person`)
    ).json()) as typeof listed;
    expect(people.count).toBeGreaterThan(0);
    expect(people.objects.every((o) => o.label === 'person')).toBe(true);
    const confident = (await (
      await t.app.request(`/images/${id}/objects?min_score=0.5`)
    ).json()) as typeof listed;
    expect(confident.objects.every((o) => o.score >= 0.5)).toBe(true);
    expect(confident.count).toBe(listed.objects.filter((o) => o.score >= 0.5).length);

    const first = listed.objects[0]!;
    const single = await t.app.request(`/images/${id}/objects/${first.object_id}`);
    expect(single.status).toBe(200);
    const object = (await single.json()) as Detection;
    expect(object).toMatchObject({
      object_id: first.object_id,
      bbox: first.bbox,
      label: first.label,
      score: first.score,
    });
    expect(Object.keys(object).sort()).toEqual([
      'bbox',
      'centroid',
      'class_id',
      'label',
      'object_id',
      'radius',
      'score',
    ]);

    const unknown = await t.app.request(`/images/${id}/objects/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/object .* not found in image/);
  });

  it('Should refuse an object id that belongs to another image', async () => {
    const other = await upload(readShippedPhoto('000000000389.jpg'), 'other.jpg');
    expect(other.res.status).toBe(201);
    const [, firstImage] = (await t.repository.list({ limit: 2, after: null })).items;
    const foreignObject = other.body.detection.detections[0]!.object_id;
    const res = await t.app.request(`/images/${firstImage!.image.id}/objects/${foreignObject}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/not found in image/);
  });

  it('Should list images newest first with working cursors', async () => {
    const page1 = (await (await t.app.request('/images?limit=1')).json()) as {
      images: { image_id: string; filename: string }[];
      next_cursor: string;
    };
    expect(page1.images.map((i) => i.filename)).toEqual(['other.jpg']);
    const page2 = (await (await t.app.request(`/images?limit=1&cursor=${page1.next_cursor}`)).json()) as {
      images: { filename: string }[];
      next_cursor: string | null;
    };
    expect(page2.images.map((i) => i.filename)).toEqual(['000000000086.jpg']);
    expect(page2.next_cursor).toBeNull();
  });

  it('Should return the original bytes and an annotated image', async () => {
    const photo = readShippedPhoto('000000000086.jpg');
    const id = (await t.repository.list({ limit: 10, after: null })).items.find(
      (i) => i.image.filename === '000000000086.jpg',
    )!.image.id;
    const file = await t.app.request(`/images/${id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await file.arrayBuffer()).equals(photo)).toBe(true);
    const cached = await t.app.request(`/images/${id}/file`, { headers: { 'if-none-match': `"${id}"` } });
    expect(cached.status).toBe(304);

    const annotated = await t.app.request(`/images/${id}/annotated`);
    expect(annotated.status).toBe(200);
    expect(annotated.headers.get('content-type')).toBe('image/jpeg');
    const drawn = Buffer.from(await annotated.arrayBuffer());
    const meta = await sharp(drawn).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 512, 640]);
    const original = await sharp(photo).raw().toBuffer();
    const painted = await sharp(drawn).raw().toBuffer();
    let changed = 0;
    for (let i = 0; i < original.length; i += 3) if (Math.abs(original[i]! - painted[i]!) > 60) changed++;
    expect(changed, 'pixels visibly changed by boxes and labels').toBeGreaterThan(2_000);
  });

  it('Should replace the objects atomically when detection runs again with another threshold', async () => {
    const id = (await t.repository.list({ limit: 10, after: null })).items.find(
      (i) => i.image.filename === '000000000086.jpg',
    )!.image.id;
    const before = await t.repository.listObjects(id, {});
    const res = await t.app.request(`/images/${id}/detections?score_threshold=0.6`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as UploadBody;
    expect(body.detection.detections.every((d) => d.score >= 0.6)).toBe(true);
    expect(body.detection.count).toBeLessThanOrEqual(before.length);
    const after = await t.repository.listObjects(id, {});
    expect(after.map((o) => o.id).sort()).toEqual(body.detection.detections.map((d) => d.object_id).sort());
    expect(after.some((o) => before.some((b) => b.id === o.id))).toBe(false);
    const runs = await query(t.database, 'select count(*) as n from detection_runs where image_id = ?', [id]);
    expect(runs).toEqual([{ n: 2 }]);
  });

  it('Should answer 409 with the existing id for the same bytes', async () => {
    const { res, body } = await upload(readShippedPhoto('000000000389.jpg'), 'again.jpg');
    expect(res.status).toBe(409);
    expect((body as unknown as { image_id: string }).image_id).toBe(
      (await t.repository.list({ limit: 10, after: null })).items.find(
        (i) => i.image.filename === 'other.jpg',
      )!.image.id,
    );
  });

  it('Should store one image when the same bytes are uploaded concurrently, and answer the others 409', async () => {
    const before = await t.stored();
    const photo = readShippedPhoto('000000000540.jpg');
    const results = await Promise.all([1, 2, 3].map((n) => upload(photo, `race-${n}.jpg`)));
    const statuses = results.map((r) => r.res.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
    const winner = results.find((r) => r.res.status === 201)!.body;
    for (const loser of results.filter((r) => r.res.status === 409)) {
      expect((loser.body as unknown as { image_id: string }).image_id).toBe(winner.image_id);
    }
    const after = await t.stored();
    expect(after.images).toBe(before.images + 1);
    expect(after.objects).toBe(before.objects + winner.detection.count);
    expect(after.files.filter((f) => f.includes(winner.image_id))).toHaveLength(1);
    expect((await t.app.request(`/images/${winner.image_id}/file`)).status).toBe(200);
  });

  it('Should detect without storing anything on POST /detect', async () => {
    const before = await t.stored();
    const res = await t.app.request('/detect?score_threshold=0.3', {
      method: 'POST',
      body: multipart(blobOf(readShippedPhoto('000000000030.jpg')), 'x.jpg'),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      width: number;
      height: number;
      detection: { count: number; detections: Detection[] };
    };
    expect(body.detection.count).toBeGreaterThan(0);
    expect(body.detection.detections.every((d) => d.score >= 0.3)).toBe(true);
    expect(await t.stored()).toEqual(before);
  });

  it('Should answer GET /detect?image_url=… as POST /detect does for the same image, storing nothing', async () => {
    const before = await t.stored();
    const url = `${photoServer.origin}/photos/000000000030.jpg`;
    const fromUrl = await t.app.request(`/detect?image_url=${encodeURIComponent(url)}&score_threshold=0.3`);
    const posted = await t.app.request('/detect?score_threshold=0.3', {
      method: 'POST',
      body: multipart(blobOf(readShippedPhoto('000000000030.jpg')), 'x.jpg'),
    });
    const postedJson = await t.app.request('/detect?score_threshold=0.3', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    expect(fromUrl.status).toBe(200);
    const withoutIds = async (res: Response) => {
      const body = (await res.json()) as { detection: { detections: Detection[] } };
      return {
        ...body,
        detection: {
          ...body.detection,
          detections: body.detection.detections.map(({ object_id, ...d }) => d),
        },
      };
    };
    const answer = await withoutIds(fromUrl);
    expect(answer.detection.detections.length).toBeGreaterThan(0);
    expect(answer).toEqual(await withoutIds(posted));
    expect(answer).toEqual(await withoutIds(postedJson));
    expect(fromUrl.headers.get('server-timing')).toMatch(/receive;.*model;/);
    expect(await t.stored()).toEqual(before);
  });

  it('Should fetch an image by URL (private addresses allowed for this test)', async () => {
    const res = await t.app.request('/images', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${photoServer.origin}/photos/000000000436.jpg` }),
    });
    const body = (await res.json()) as UploadBody & { source_url: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.filename).toBe('000000000436.jpg');
    expect(body.source_url).toBe(`${photoServer.origin}/photos/000000000436.jpg`);
    expect(body.detection.count).toBeGreaterThan(0);
  });

  it('Should report boxes in the displayed orientation for an EXIF-rotated photo', async () => {
    const photo = readShippedPhoto('000000000370.jpg');
    const upright = await sharp(photo).metadata();
    // Store the pixels rotated and let EXIF orientation 6 turn them back: viewers show the original photo.
    const rotated = await sharp(photo).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const { res, body } = await upload(rotated, 'rotated.jpg');
    expect(res.status).toBe(201);
    expect([body.width, body.height]).toEqual([upright.width, upright.height]);
    const direct = await t.app.request('/detect', { method: 'POST', body: multipart(blobOf(photo)) });
    const reference = ((await direct.json()) as { detection: { detections: Detection[] } }).detection
      .detections;
    const top = reference[0]!;
    const match = body.detection.detections.find((d) => d.label === top.label && iou(d.bbox, top.bbox) > 0.7);
    expect(match, 'the top detection of the upright photo is found at the same place').toBeDefined();
  });

  it('Should answer 400 for an unknown model and store nothing', async () => {
    const before = await t.stored();
    const { res, body } = await upload(readShippedPhoto('000000000092.jpg'), 'x.jpg', '?model=no-such-model');
    expect(res.status).toBe(400);
    expect((body as unknown as { error: string }).error).toMatch(/model "no-such-model" is not available/);
    expect(await t.stored()).toEqual(before);
  });

  it('Should list the model server’s models and report it ready', async () => {
    const models = (await (await t.app.request('/models')).json()) as {
      default_model: string;
      models: { name: string; state: string }[];
    };
    expect(models.default_model).toBe('centernet-coco');
    expect(models.models).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'centernet-coco', state: 'READY' })]),
    );
    const ready = (await (await t.app.request('/ready')).json()) as {
      checks: { model_server: { status: string } };
    };
    expect(ready.checks.model_server.status).toBe('ready');
  });

  it('Should delete an image with its objects, runs and file', async () => {
    const id = (await t.repository.list({ limit: 10, after: null })).items.find(
      (i) => i.image.filename === '000000000086.jpg',
    )!.image.id;
    expect((await t.app.request(`/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    for (const suffix of ['', '/file', '/objects']) {
      expect((await t.app.request(`/images/${id}${suffix}`)).status).toBe(404);
    }
    const left = await query(
      t.database,
      'select (select count(*) from objects where image_id = ?) + (select count(*) from detection_runs where image_id = ?) as n',
      [id, id],
    );
    expect(left).toEqual([{ n: 0 }]);
    expect((await t.stored()).files.filter((file) => file.includes(id))).toEqual([]);
  });

  describe('with S3 storage (s3rver over HTTP)', () => {
    let s3: RunningS3Server;
    let onS3: TestApp;
    let storage: S3BlobStorage;

    beforeAll(async () => {
      s3 = await startS3Server('e2e-images');
      storage = new S3BlobStorage({
        bucket: s3.bucket,
        prefix: 'detections/',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: s3.credentials,
      });
      onS3 = await createTestApp({ modelServerUrl: modelServer.url, storage });
    });
    afterAll(async () => {
      await onS3?.close();
      storage?.destroy();
      await s3?.stop();
    });

    it('Should store the blob in the bucket, serve it back and delete it', async () => {
      const photo = readShippedPhoto('000000000072.jpg');
      const res = await onS3.app.request('/images', {
        method: 'POST',
        body: multipart(blobOf(photo), 'giraffe.jpg'),
      });
      const body = (await res.json()) as UploadBody;
      expect(res.status, JSON.stringify(body)).toBe(201);
      const key = (await onS3.repository.find(body.image_id))!.image.storageKey;
      expect(key).toMatch(new RegExp(`^images/${body.image_id.slice(0, 2)}/${body.image_id}-[0-9a-f]{32}$`));
      expect(await listObjectKeys(s3)).toEqual([`detections/${key}`]);
      const file = await onS3.app.request(`/images/${body.image_id}/file`);
      expect(Buffer.from(await file.arrayBuffer()).equals(photo)).toBe(true);
      expect((await onS3.app.request(`/images/${body.image_id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await storage.exists(key)).toBe(false);
    });
  });
});
