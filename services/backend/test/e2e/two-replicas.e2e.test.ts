/**
 * Two backend processes on one PostgreSQL database and one S3 bucket, with the real model server: a few hundred
 * mixed requests spread over both (duplicate uploads sent to both at once, reads, re-detections, deletes, a
 * re-detection racing a delete), then the invariants of a shared deployment are checked.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { countRows, query } from '../support/database.js';
import { datasetPhoto, datasetPhotoNames, jpegVariant } from '../support/dataset-photos.js';
import { tallyMismatches } from '../support/fixtures.js';
import { blobOf, multipart } from '../support/images.js';
import { createTestDatabase } from '../support/postgres-database.js';
import {
  backendRoot,
  type ChildServer,
  closedPort,
  startChildServer,
  startModelServer,
} from '../support/processes.js';
import { listObjectKeys, type RunningS3Server, startS3Server } from '../support/s3-server.js';
import { makeTempDir } from '../support/temp-dir.js';

interface ImageBody {
  image_id: string;
  status: string;
  object_count: number;
}

describe('Two backend replicas on one PostgreSQL database and one S3 bucket', () => {
  let modelServer: ChildServer;
  let s3: RunningS3Server;
  let databaseUrl: string;
  let database: Database;
  const replicas: ChildServer[] = [];

  beforeAll(async () => {
    [modelServer, s3, databaseUrl] = await Promise.all([
      closedPort().then((port) => startModelServer(port)),
      startS3Server('replicas'),
      createTestDatabase('replicas'),
    ]);
    const dir = await makeTempDir('backend-replicas-');
    const start = async (name: string) =>
      startChildServer({
        args: ['--import', 'tsx', path.join(backendRoot, 'src/index.ts')],
        cwd: backendRoot,
        env: {
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          DATABASE_POOL_MAX: '5',
          REPLICA_ID: name,
          STORAGE_BACKEND: 's3',
          S3_BUCKET: s3.bucket,
          S3_PREFIX: 'shared/',
          S3_ENDPOINT: s3.endpoint,
          S3_FORCE_PATH_STYLE: 'true',
          AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
          MODEL_SERVER_URL: modelServer.url,
          MODEL_RETRY_DEADLINE_MS: '20000',
          BLOB_SWEEP_INTERVAL_MS: '200',
          WEB_UI_DIR: path.join(dir, 'no-ui'),
          LOG_LEVEL: 'warn',
        },
        port: await closedPort(),
        readyPath: '/ready?model_server=false',
      });
    // Started together: their migrations meet at the advisory lock.
    replicas.push(...(await Promise.all([start('replica-a'), start('replica-b')])));
    database = await openDatabase({ dialect: 'postgres', url: databaseUrl });
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.close();
    await modelServer?.stop();
    await s3?.stop();
  });

  it('Should lose no acknowledged upload, leave no orphan blob or blob-less row, and answer alike on both replicas', {
    timeout: 300_000,
  }, async () => {
    const [a, b] = replicas as [ChildServer, ChildServer];
    const acknowledged = new Set<string>();
    const deleted = new Set<string>();
    const statuses: Record<string, number> = {};
    const send = async (replica: ChildServer, route: string, init?: RequestInit) => {
      const res = await fetch(`${replica.url}${route}`, init);
      const key = `${init?.method ?? 'GET'} ${route.replace(/[0-9a-f]{64}/, '{id}').replace(/\?.*/, '')} ${res.status}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
      return res;
    };
    const upload = async (replica: ChildServer, bytes: Buffer, name: string) => {
      const res = await send(replica, '/images', { method: 'POST', body: multipart(blobOf(bytes), name) });
      const body = (await res.json()) as ImageBody & { error?: string };
      if (res.status === 201) acknowledged.add(body.image_id);
      return { status: res.status, body };
    };

    // 1. Every photo sent to both replicas at the same moment: one stores it, the other answers 409 with its id.
    const photos = datasetPhotoNames();
    const originals: string[] = [];
    for (const name of photos) {
      const bytes = datasetPhoto(name);
      const [first, second] = await Promise.all([upload(a, bytes, name), upload(b, bytes, name)]);
      expect([first.status, second.status].sort(), `${name}: ${JSON.stringify([first, second])}`).toEqual([
        201, 409,
      ]);
      expect(first.body.image_id).toBe(second.body.image_id);
      originals.push(first.body.image_id);
    }

    // 2. Mixed traffic over both replicas, 8 requests in flight at a time.
    const variants = photos.flatMap((name, i) =>
      [0, 1].map((copy) => ({ name, bytes: jpegVariant(datasetPhoto(name), `replica-test-${i}-${copy}`) })),
    );
    let next = 0;
    const operations: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < 240; i++) {
      const replica = i % 2 === 0 ? a : b;
      const kind = i % 8;
      operations.push(async () => {
        const ids = [...acknowledged].filter((id) => !deleted.has(id));
        const someId = ids[(i * 7) % Math.max(1, ids.length)];
        if (kind === 0 || kind === 4) {
          const variant = variants[next++ % variants.length]!;
          return upload(replica, variant.bytes, variant.name);
        }
        if (kind === 1) return send(replica, `/images?limit=${1 + (i % 20)}`);
        if (kind === 2 && someId) return send(replica, `/images/${someId}/objects?min_score=0.3`);
        if (kind === 3) return send(replica, '/labels');
        if (kind === 5 && someId)
          return send(replica, `/images/${someId}/detections?score_threshold=0.${3 + (i % 5)}`, {
            method: 'POST',
          });
        if (kind === 6 && i % 3 === 0) {
          // A re-detection on one replica racing a delete of the same image on the other. Only the photos of
          // step 1 are deleted, and they are never uploaded again, so "acknowledged minus deleted" is exact.
          const victim = originals[(i / 3) % originals.length]!;
          const [, removed] = await Promise.all([
            send(replica === a ? b : a, `/images/${victim}/detections`, { method: 'POST' }),
            send(replica, `/images/${victim}`, { method: 'DELETE' }),
          ]);
          if (removed.status === 204) deleted.add(victim);
          return removed;
        }
        if (someId) return send(replica, `/images/${someId}`);
        return send(replica, '/images');
      });
    }
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (cursor < operations.length) {
          const res = (await operations[cursor++]!()) as Response | { status: number };
          if (res instanceof Response) await res.arrayBuffer();
        }
      }),
    );
    const served = Object.entries(statuses).filter(([key]) => / 5\d\d$/.test(key));
    expect(served, JSON.stringify(statuses)).toEqual([]);
    expect(Object.values(statuses).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(250);

    // 3. Let in-flight work and the sweepers settle.
    const deadline = Date.now() + 10_000;
    while ((await countRows(database, 'pending_blobs')) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await countRows(database, 'pending_blobs')).toBe(0);

    // No acknowledged upload lost; every delete took effect.
    const rows = await query<{ id: string; storage_key: string }>(
      database,
      'select id, storage_key from images',
    );
    const stored = new Set(rows.map((row) => row.id));
    const expected = [...acknowledged].filter((id) => !deleted.has(id)).sort();
    expect([...stored].sort()).toEqual(expected);
    expect(deleted.size).toBeGreaterThan(0);

    // Exactly one blob per row, nothing else in the deployment's prefix.
    const blobs = await listObjectKeys(s3, 'shared/');
    expect(blobs).toEqual(rows.map((row) => `shared/${row.storage_key}`).sort());
    expect(await tallyMismatches(database)).toEqual([]);

    // Both replicas give the same answer for every image, its objects and its file, and for the listings.
    const json = async (replica: ChildServer, route: string) => {
      const res = await fetch(`${replica.url}${route}`);
      return { status: res.status, body: await res.json() };
    };
    for (const id of expected) {
      for (const route of [`/images/${id}`, `/images/${id}/objects`]) {
        const [fromA, fromB] = await Promise.all([json(a, route), json(b, route)]);
        expect(fromA.status, route).toBe(200);
        expect(fromB, route).toEqual(fromA);
      }
      const [fileA, fileB] = await Promise.all(
        [a, b].map((replica) => fetch(`${replica.url}/images/${id}/file`).then((res) => res.arrayBuffer())),
      );
      expect(Buffer.from(fileA!).equals(Buffer.from(fileB!))).toBe(true);
    }
    for (const id of deleted) expect((await json(b, `/images/${id}`)).status).toBe(404);
    for (const route of ['/images?limit=100', '/labels', '/images?label=person&limit=100']) {
      const [fromA, fromB] = await Promise.all([json(a, route), json(b, route)]);
      expect(fromB, route).toEqual(fromA);
    }
  });
});
