import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, dialects, openTestDatabase, query } from '../../test/support/database.js';
import {
  type ImageFixture,
  imageFixture,
  insertFixture,
  objectOf,
  runOf,
  tallyMismatches,
} from '../../test/support/fixtures.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import type { Database } from './database.js';
import { DuplicateImageError, ReservationLostError, totalCountLimit } from './image-repository.js';

const ids = (page: { items: Array<{ image: { id: string } }> }) => page.items.map((item) => item.image.id);

describe.each(dialects)('ImageRepository on %s', (dialect) => {
  let dir: string;
  let database: Database;
  const t0 = 1_800_000_000_000;
  // Newest first: e (failed), d, c, b, a; c and d share a timestamp (the id breaks the tie).
  const fixtures: Record<string, ImageFixture> = {};

  beforeAll(async () => {
    dir = await makeTempDir(`backend-repository-${dialect}-`);
    database = await openTestDatabase(dialect, dir);
    fixtures.a = imageFixture('a', { createdAt: t0, labels: ['person', 'Dog', 'dog'] });
    fixtures.b = imageFixture('b', { createdAt: t0 + 1000, labels: ['cat'] });
    fixtures.c = imageFixture('c', { createdAt: t0 + 2000, labels: ['dog', 'person'] });
    fixtures.d = imageFixture('d', { createdAt: t0 + 2000, labels: ['person'] });
    fixtures.e = imageFixture('e', { createdAt: t0 + 3000, status: 'failed' });
    for (const fixture of Object.values(fixtures)) await insertFixture(database, fixture);
  });
  afterAll(async () => {
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const newest = () => {
    const [c, d] = [fixtures.c!.image.id, fixtures.d!.image.id].sort().reverse();
    return [fixtures.e!.image.id, c!, d!, fixtures.b!.image.id, fixtures.a!.image.id];
  };

  it('Should find an image with its current run and object count, and its objects by rank', async () => {
    const found = await database.images.find(fixtures.a!.image.id);
    expect(found).toMatchObject({
      image: { id: fixtures.a!.image.id, status: 'completed', currentRunId: fixtures.a!.run.id },
      run: { id: fixtures.a!.run.id, modelName: 'centernet-coco', inferenceMs: 12.5 },
      objectCount: 3,
    });
    const objects = await database.images.listObjects(fixtures.a!.image.id, {});
    expect(objects.map((o) => o.label)).toEqual(['person', 'Dog', 'dog']);
    expect(
      await database.images.listObjects(fixtures.a!.image.id, { label: 'DOG', minScore: 0.885 }),
    ).toHaveLength(1);
    const object = objects[1]!;
    expect(await database.images.findObject(fixtures.a!.image.id, object.id)).toEqual(object);
    expect(await database.images.findObject(fixtures.b!.image.id, object.id)).toBeNull();
    expect(await database.images.exists(fixtures.a!.image.id)).toBe(true);
    expect(await database.images.find('0'.repeat(64))).toBeNull();
  });

  it('Should show a failed image with its latest failed run and no objects', async () => {
    const found = await database.images.find(fixtures.e!.image.id);
    expect(found).toMatchObject({
      image: { status: 'failed', currentRunId: null },
      run: { status: 'failed' },
    });
    expect(found!.objectCount).toBe(0);
  });

  it('Should page newest first by (created_at, id), the cursor continuing exactly where the page ended', async () => {
    const seen: string[] = [];
    let after = null;
    do {
      const page = await database.images.list({ limit: 2, after });
      seen.push(...ids(page));
      after = page.next;
    } while (after);
    expect(seen).toEqual(newest());
  });

  it('Should filter by status, by time range and by label (case-insensitive), alone and combined', async () => {
    const list = (filter: object) => database.images.list({ limit: 10, after: null, ...filter }).then(ids);
    expect(await list({ status: 'failed' })).toEqual([fixtures.e!.image.id]);
    expect(await list({ status: 'completed' })).toEqual(newest().slice(1));
    expect(await list({ createdAfter: t0 + 1000, createdBefore: t0 + 3000 })).toEqual(newest().slice(1, 4));
    expect(await list({ label: 'DOG' })).toEqual([fixtures.c!.image.id, fixtures.a!.image.id]);
    expect(await list({ label: 'person', createdBefore: t0 + 2000 })).toEqual([fixtures.a!.image.id]);
    expect(await list({ label: 'person', status: 'failed' })).toEqual([]);
    expect(await list({ label: 'unicorn' })).toEqual([]);
    const firstDog = await database.images.list({ label: 'dog', limit: 1, after: null });
    expect(ids(await database.images.list({ label: 'dog', limit: 1, after: firstDog.next }))).toEqual([
      fixtures.a!.image.id,
    ]);
  });

  it('Should count exactly from the tallies, or count a time range', async () => {
    expect(await database.images.count({})).toEqual({ count: 5, exact: true });
    expect(await database.images.count({ status: 'completed' })).toEqual({ count: 4, exact: true });
    expect(await database.images.count({ label: 'Dog' })).toEqual({ count: 2, exact: true });
    expect(await database.images.count({ label: 'dog', status: 'completed' })).toEqual({
      count: 2,
      exact: true,
    });
    expect(await database.images.count({ createdAfter: t0 + 1000 })).toEqual({ count: 4, exact: true });
    expect(await database.images.count({ label: 'person', createdAfter: t0 + 1 })).toEqual({
      count: 2,
      exact: true,
    });
  });

  it('Should list every label with its image and object counts', async () => {
    const labels = await database.images.labels();
    expect(labels.sort((x, y) => x.label.localeCompare(y.label))).toEqual([
      { label: 'cat', imageCount: 1, objectCount: 1 },
      { label: 'dog', imageCount: 2, objectCount: 3 },
      { label: 'person', imageCount: 3, objectCount: 3 },
    ]);
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should refuse a second image with the same id, even when both commits race, and keep the tallies', async () => {
    const first = imageFixture('race', { createdAt: t0 + 10_000, labels: ['dog'] });
    const second = imageFixture('race', { createdAt: t0 + 10_001, labels: ['dog', 'zebra'] });
    const results = await Promise.allSettled([
      insertFixture(database, first),
      insertFixture(database, second),
    ]);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateImageError);
    // The loser's transaction was rolled back whole: its pending-blob row is still there for it to clean up.
    const loser = results[0]!.status === 'rejected' ? first : second;
    expect(await database.pendingBlobs.find(loser.image.storageKey)).toMatchObject({ purpose: 'upload' });
    expect(await countRows(database, 'images')).toBe(6);
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should commit nothing when the upload’s pending-blob row was claimed by the sweeper', async () => {
    const late = imageFixture('late', { createdAt: t0 + 20_000 });
    const token = randomUUID();
    await database.pendingBlobs.record({
      storageKey: late.image.storageKey,
      token,
      purpose: 'upload',
      owner: 'test',
      createdAt: 0,
      dueAt: 1,
    });
    const [claimed] = await database.pendingBlobs.claimDue(2, 10, 'sweeper', 60_000);
    expect(claimed).toMatchObject({ storageKey: late.image.storageKey, owner: 'sweeper', attempts: 1 });
    await expect(
      database.images.insertImage(late.image, late.run, late.objects, {
        storageKey: late.image.storageKey,
        token,
      }),
    ).rejects.toBeInstanceOf(ReservationLostError);
    expect(await database.images.exists(late.image.id)).toBe(false);
    expect(await database.pendingBlobs.release(late.image.storageKey, claimed!.token)).toBe(true);
  });

  it('Should replace the objects of a re-detection and move the label tallies with them', async () => {
    const id = fixtures.b!.image.id;
    const runId = randomUUID();
    const updated = await database.images.replaceDetections(
      id,
      runOf(id, runId, 'completed', 2, t0 + 30_000),
      [objectOf(id, runId, 'dog', 0), objectOf(id, runId, 'horse', 1)],
      t0 + 30_000,
    );
    expect(updated).toMatchObject({ id, currentRunId: runId, status: 'completed', updatedAt: t0 + 30_000 });
    expect(await database.images.count({ label: 'cat' })).toEqual({ count: 0, exact: true });
    expect(await database.images.count({ label: 'dog' })).toEqual({ count: 4, exact: true });
    expect((await database.images.labels()).map((row) => row.label)).not.toContain('cat');
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should complete a failed image on re-detection and keep detections when a later run fails', async () => {
    const id = fixtures.e!.image.id;
    const failedAgain = await database.images.recordFailedRun(
      id,
      runOf(id, randomUUID(), 'failed', 0, t0 + 40_000),
      t0 + 40_000,
    );
    expect(failedAgain).toBe('failed');
    const runId = randomUUID();
    await database.images.replaceDetections(
      id,
      runOf(id, runId, 'completed', 1, t0 + 41_000),
      [objectOf(id, runId, 'kite', 0)],
      t0 + 41_000,
    );
    expect(
      await database.images.recordFailedRun(
        id,
        runOf(id, randomUUID(), 'failed', 0, t0 + 42_000),
        t0 + 42_000,
      ),
    ).toBe('completed');
    expect(await database.images.find(id)).toMatchObject({ run: { id: runId }, objectCount: 1 });
    expect(await database.images.count({ status: 'failed' })).toEqual({ count: 0, exact: true });
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should delete an image with its runs, objects and tallies, recording its blob as pending deletion', async () => {
    const { id, storageKey } = fixtures.d!.image;
    const now = t0 + 50_000;
    expect(await database.images.delete(id, { owner: 'replica-1', token: 'tok', now })).toBe(storageKey);
    expect(await database.images.delete(id, { owner: 'replica-1', token: 'tok', now })).toBeNull();
    expect(await database.pendingBlobs.find(storageKey)).toMatchObject({
      purpose: 'delete',
      owner: 'replica-1',
      dueAt: now,
      attempts: 0,
    });
    const [left] = await query<{ n: number | string }>(
      database,
      'select (select count(*) from detection_runs where image_id = ?) + (select count(*) from objects where image_id = ?) + (select count(*) from image_labels where image_id = ?) as n',
      [id, id, id],
    );
    expect(Number(left!.n)).toBe(0);
    expect(await database.images.isReferenced(storageKey)).toBe(false);
    expect(await database.images.isReferenced(fixtures.a!.image.storageKey)).toBe(true);
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should leave a consistent state when re-detections and deletes of one image race', async () => {
    for (let round = 0; round < 5; round++) {
      const fixture = imageFixture(`contended-${round}`, { createdAt: t0 + 60_000 + round, labels: ['dog'] });
      await insertFixture(database, fixture);
      const id = fixture.image.id;
      const redetect = () => {
        const runId = randomUUID();
        return database.images.replaceDetections(
          id,
          runOf(id, runId, 'completed', 2, t0 + 70_000),
          [objectOf(id, runId, 'dog', 0), objectOf(id, runId, 'cat', 1)],
          t0 + 70_000,
        );
      };
      const results = await Promise.allSettled([
        redetect(),
        database.images.delete(id, { owner: 'r', token: randomUUID(), now: t0 }),
        redetect(),
      ]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await database.images.exists(id)).toBe(false);
      expect(await database.pendingBlobs.find(fixture.image.storageKey)).toMatchObject({ purpose: 'delete' });
    }
    expect(await tallyMismatches(database)).toEqual([]);
  });

  it('Should refuse a run that points at a missing image', async () => {
    const orphanRun = runOf('9'.repeat(64), randomUUID(), 'completed', 0, t0);
    const insert = query(
      database,
      "insert into detection_runs (id, image_id, model_name, status, attempts, inference_ms, created_at) values (?, ?, 'm', 'completed', 1, 1, ?)",
      [orphanRun.id, orphanRun.imageId, t0],
    );
    await expect(insert).rejects.toThrow(/foreign key/i);
  });

  it('Should report "at least" past the counting limit for a time range, and exactly below it', async () => {
    const start = t0 + 1_000_000;
    const rows = Array.from({ length: totalCountLimit + 5 }, (_, i) => i);
    const values = rows.map(() => "(?, 'x.jpg', 'image/jpeg', 1, 1, 1, ?, 'failed', ?, ?)").join(', ');
    const params = rows.flatMap((i) => {
      const id = `bulk${String(i).padStart(60, '0')}`;
      return [id, `images/bu/${id}`, start + i, start + i];
    });
    await query(
      database,
      `insert into images (id, filename, content_type, width, height, size_bytes, storage_key, status, created_at, updated_at) values ${values}`,
      params,
    );
    expect(await database.images.count({ createdAfter: start })).toEqual({
      count: totalCountLimit,
      exact: false,
    });
    expect(await database.images.count({ createdAfter: start + 10 })).toEqual({
      count: totalCountLimit - 5,
      exact: true,
    });
    expect(await database.images.count({ createdAfter: start, status: 'completed' })).toEqual({
      count: 0,
      exact: true,
    });
  });
});

describe.each(dialects)('PendingBlobRepository on %s', (dialect) => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = await makeTempDir(`backend-pending-${dialect}-`);
    database = await openTestDatabase(dialect, dir);
  });
  afterAll(async () => {
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const record = (storageKey: string, dueAt: number, token = randomUUID()) =>
    database.pendingBlobs
      .record({ storageKey, token, purpose: 'upload', owner: 'uploader', createdAt: dueAt - 10, dueAt })
      .then(() => token);

  it('Should release a row only with the token that wrote it', async () => {
    const token = await record('images/aa/one', 100);
    expect(await database.pendingBlobs.release('images/aa/one', 'someone-else')).toBe(false);
    expect(await database.pendingBlobs.release('images/aa/one', token)).toBe(true);
    expect(await database.pendingBlobs.find('images/aa/one')).toBeNull();
  });

  it('Should claim only due rows, oldest first, and hold them for the lease', async () => {
    await record('images/bb/late', 5_000);
    await record('images/bb/early', 1_000);
    await record('images/bb/middle', 2_000);
    const claimed = await database.pendingBlobs.claimDue(3_000, 10, 'sweeper-1', 60_000);
    expect(claimed.map((row) => row.storageKey)).toEqual(['images/bb/early', 'images/bb/middle']);
    expect(
      claimed.every((row) => row.dueAt === 63_000 && row.owner === 'sweeper-1' && row.attempts === 1),
    ).toBe(true);
    expect(await database.pendingBlobs.claimDue(3_000, 10, 'sweeper-2', 60_000)).toEqual([]);
    await database.pendingBlobs.recordFailure('images/bb/early', claimed[0]!.token, 'storage unreachable');
    expect(await database.pendingBlobs.find('images/bb/early')).toMatchObject({
      lastError: 'storage unreachable',
    });
    // After the lease the row is due again, one attempt further.
    const again = await database.pendingBlobs.claimDue(70_000, 10, 'sweeper-2', 60_000);
    expect(again.map((row) => [row.storageKey, row.attempts]).sort()).toEqual([
      ['images/bb/early', 2],
      ['images/bb/late', 1],
      ['images/bb/middle', 2],
    ]);
  });

  it('Should hand each due row to exactly one of several replicas claiming at once', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `images/cc/k${String(i).padStart(2, '0')}`);
    for (const key of keys) await record(key, 200_000);
    const claims = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        database.pendingBlobs.claimDue(300_000, 15, `replica-${i}`, 60_000),
      ),
    );
    const claimed = claims.flat().map((row) => row.storageKey);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.filter((key) => key.startsWith('images/cc/')).sort()).toEqual(keys);
  });
});
