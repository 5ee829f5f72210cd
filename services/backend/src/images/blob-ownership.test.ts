/**
 * Issue 20.1: the backend deletes only blobs it wrote and knows to be abandoned. Foreign files in the directory or
 * bucket survive restarts; two deployments sharing a bucket keep each other's blobs; a blob left by a process killed
 * between the blob write and the commit is removed once its grace period has passed; a delete whose blob removal
 * failed is finished later by the sweeper. Each case runs on the filesystem and on S3 (s3rver over HTTP).
 */
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../test/support/http-server.js';
import { blobOf, multipart, syntheticImage } from '../../test/support/images.js';
import { backendRoot, closedPort, startChildServer } from '../../test/support/processes.js';
import { listObjectKeys, type RunningS3Server, startS3Server } from '../../test/support/s3-server.js';
import { listFilesRecursively, makeTempDir } from '../../test/support/temp-dir.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { openDatabase } from '../db/database.js';
import { parseEnv } from '../env.js';
import { type RunningServer, startServer } from '../server.js';
import { FsBlobStorage } from '../storage/fs-storage.js';
import { isImageStorageKey } from '../storage/image-keys.js';
import { S3BlobStorage } from '../storage/s3-storage.js';
import type { BlobStorage } from '../storage/storage.js';
import { BlobSweeper } from './blob-sweeper.js';

interface StorageUnderTest {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** The backend's storage variables (STORAGE_BACKEND, STORAGE_DIR or S3_*), with credentials for a child process. */
  env(): Record<string, string>;
  storage(): BlobStorage;
  /** Everything in the directory or bucket, read directly. */
  contents(): Promise<string[]>;
  putForeign(key: string, body: string): Promise<void>;
  /** Makes every storage call fail until `repair()`. */
  breakIt(): Promise<void>;
  repair(): Promise<void>;
}

function filesystem(): StorageUnderTest {
  let root = '';
  return {
    name: 'filesystem',
    async setUp() {
      root = path.join(await makeTempDir('backend-ownership-fs-'), 'images');
      await fs.mkdir(root);
    },
    async tearDown() {
      await fs.rm(path.dirname(root), { recursive: true, force: true });
    },
    env: () => ({ STORAGE_BACKEND: 'fs', STORAGE_DIR: root }),
    storage: () => new FsBlobStorage(root),
    contents: () => listFilesRecursively(root),
    async putForeign(key, body) {
      await fs.mkdir(path.dirname(path.join(root, key)), { recursive: true });
      await fs.writeFile(path.join(root, key), body);
    },
    // A file where the directory should be (a volume not mounted as expected): every path below fails ENOTDIR.
    async breakIt() {
      await fs.rename(root, `${root}.away`);
      await fs.writeFile(root, 'not a directory');
    },
    async repair() {
      await fs.rm(root);
      await fs.rename(`${root}.away`, root);
    },
  };
}

function s3(): StorageUnderTest {
  let server: RunningS3Server;
  const clients: S3BlobStorage[] = [];
  return {
    name: 'S3 (s3rver), empty S3_PREFIX',
    async setUp() {
      server = await startS3Server('ownership');
    },
    async tearDown() {
      for (const client of clients) client.destroy();
      await server?.stop();
    },
    env: () => ({
      STORAGE_BACKEND: 's3',
      S3_BUCKET: server.bucket,
      S3_ENDPOINT: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
    }),
    storage() {
      const client = new S3BlobStorage({
        bucket: server.bucket,
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: server.credentials,
      });
      clients.push(client);
      return client;
    },
    contents: () => listObjectKeys(server),
    async putForeign(key, body) {
      await this.storage().put(key, new TextEncoder().encode(body), 'text/plain');
    },
    breakIt: () => server.pause(),
    repair: () => server.resume(),
  };
}

const foreign = [
  'my-own-files/keep-me.txt',
  'holiday/photo.jpg',
  // Shaped like the backend's own keys, but no database row or pending record of this deployment names them.
  `images/cc/${'c'.repeat(64)}`,
  `images/dd/${'d'.repeat(64)}-${'0'.repeat(32)}`,
];

// The shortest grace period the configuration accepts with these model-server limits.
const fastEnv = {
  HOST: '127.0.0.1',
  MODEL_RETRY_DEADLINE_MS: '0',
  MODEL_REQUEST_TIMEOUT_MS: '200',
  UPLOAD_GRACE_PERIOD_MS: '300',
  BLOB_SWEEP_INTERVAL_MS: '50',
  LOG_LEVEL: 'silent',
};

const silent = pino({ level: 'silent' });

function sweeperFor(t: TestApp, owner: string): BlobSweeper {
  return new BlobSweeper({
    repository: t.database.images,
    videos: t.database.videos,
    pendingBlobs: t.database.pendingBlobs,
    storage: t.storage,
    logger: silent,
    owner,
    batchSize: 100,
    intervalMs: 1000,
    leaseMs: 60_000,
  });
}

/** Uploads while the model server is down: the image is kept (status "failed") with its blob. */
async function uploadKept(t: TestApp, seed: number): Promise<string> {
  const res = await t.app.request('/images', {
    method: 'POST',
    body: multipart(blobOf(await syntheticImage('png', 24, 24, seed))),
  });
  const body = (await res.json()) as { image_id: string; status: string };
  expect(res.status, JSON.stringify(body)).toBe(503);
  expect(body.status).toBe('failed');
  return body.image_id;
}

describe.each([filesystem(), s3()])('Blob ownership on $name', (storage) => {
  let dir: string;

  beforeAll(async () => {
    await storage.setUp();
    dir = await makeTempDir('backend-ownership-');
    for (const key of foreign) await storage.putForeign(key, `not the backend's: ${key}`);
  });
  afterAll(async () => {
    await storage.tearDown();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should keep every file it did not write across restarts, sweeping and deletes', async () => {
    if (storage.env().AWS_ACCESS_KEY_ID) {
      process.env.AWS_ACCESS_KEY_ID = storage.env().AWS_ACCESS_KEY_ID;
      process.env.AWS_SECRET_ACCESS_KEY = storage.env().AWS_SECRET_ACCESS_KEY;
    }
    const env = parseEnv({
      ...fastEnv,
      ...storage.env(),
      PORT: '0',
      DATABASE_PATH: path.join(dir, 'restarts.sqlite'),
      MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
      WEB_UI_DIR: path.join(dir, 'no-ui'),
    });
    const kept: string[] = [];
    for (let start = 0; start < 2; start++) {
      const server: RunningServer = await startServer(env, silent);
      try {
        const form = multipart(blobOf(await syntheticImage('png', 24, 24, 40 + start)));
        const upload = await fetch(`${server.url}/images`, { method: 'POST', body: form });
        const { image_id } = (await upload.json()) as { image_id: string };
        expect(upload.status).toBe(503);
        kept.push(image_id);
        const extra = await fetch(`${server.url}/images`, {
          method: 'POST',
          body: multipart(blobOf(await syntheticImage('png', 24, 24, 50 + start))),
        });
        const { image_id: doomed } = (await extra.json()) as { image_id: string };
        expect((await fetch(`${server.url}/images/${doomed}`, { method: 'DELETE' })).status).toBe(204);
        // Several sweeps, well past the grace period.
        await new Promise((resolve) => setTimeout(resolve, 600));
        for (const id of kept) expect((await fetch(`${server.url}/images/${id}/file`)).status).toBe(200);
      } finally {
        await server.close();
      }
    }
    const contents = await storage.contents();
    expect(contents.filter((key) => foreign.includes(key)).sort()).toEqual([...foreign].sort());
    expect(contents.filter((key) => !foreign.includes(key))).toHaveLength(kept.length);
  });

  it('Should never delete the blobs of another deployment with its own database on the same bucket', async () => {
    const first = await createTestApp({ storage: storage.storage(), config: { replicaId: 'deployment-a' } });
    const second = await createTestApp({ storage: storage.storage(), config: { replicaId: 'deployment-b' } });
    try {
      const shared = await syntheticImage('png', 24, 24, 60);
      const uploads = await Promise.all(
        [first, second].map((t) =>
          t.app.request('/images', { method: 'POST', body: multipart(blobOf(shared)) }),
        ),
      );
      expect(uploads.map((res) => res.status)).toEqual([503, 503]);
      const sharedId = ((await uploads[0]!.json()) as { image_id: string }).image_id;
      const own = [await uploadKept(first, 61), await uploadKept(second, 62)];
      // The same bytes are two blobs, one per deployment: deleting one leaves the other.
      expect((await first.app.request(`/images/${sharedId}`, { method: 'DELETE' })).status).toBe(204);
      const farFuture = Date.now() + 24 * 3_600_000;
      await sweeperFor(first, 'deployment-a').sweepOnce(farFuture);
      await sweeperFor(second, 'deployment-b').sweepOnce(farFuture);
      expect((await second.app.request(`/images/${sharedId}/file`)).status).toBe(200);
      expect((await first.app.request(`/images/${own[0]}/file`)).status).toBe(200);
      expect((await second.app.request(`/images/${own[1]}/file`)).status).toBe(200);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('Should remove the blob of a process killed between the blob write and the commit, after the grace period only', async () => {
    // A model server that takes the request and never answers: the upload waits with its blob already written.
    let inferenceStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      inferenceStarted = resolve;
    });
    const hanging = await startHttpServer((req: http.IncomingMessage) => {
      if (req.url?.includes('/infer')) inferenceStarted();
    });
    const databasePath = path.join(dir, 'killed.sqlite');
    const before = await storage.contents();
    const child = await startChildServer({
      args: ['--import', 'tsx', path.join(backendRoot, 'src/index.ts')],
      cwd: backendRoot,
      env: {
        ...fastEnv,
        ...storage.env(),
        MODEL_REQUEST_TIMEOUT_MS: '60000',
        UPLOAD_GRACE_PERIOD_MS: '61000',
        DATABASE_PATH: databasePath,
        MODEL_SERVER_URL: hanging.origin,
        WEB_UI_DIR: path.join(dir, 'no-ui'),
      },
      port: await closedPort(),
      readyPath: '/health',
    });
    let orphan: string | undefined;
    try {
      void fetch(`${child.url}/images`, {
        method: 'POST',
        body: multipart(blobOf(await syntheticImage('png', 24, 24, 70))),
      }).catch(() => undefined);
      await started;
      const deadline = Date.now() + 10_000;
      while (!orphan && Date.now() < deadline) {
        // (On the filesystem `<key>.partial` shows first, then is renamed to `<key>`.)
        orphan = (await storage.contents()).find((key) => !before.includes(key) && isImageStorageKey(key));
        if (!orphan) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(orphan, 'the blob is written while the model runs').toBeDefined();
      child.process.kill('SIGKILL');
    } finally {
      await child.stop();
      await hanging.close();
    }

    const database = await openDatabase({ dialect: 'sqlite', path: databasePath });
    try {
      const pending = await database.pendingBlobs.find(orphan!);
      expect(pending).toMatchObject({ purpose: 'upload' });
      const sweeper = new BlobSweeper({
        repository: database.images,
        videos: database.videos,
        pendingBlobs: database.pendingBlobs,
        storage: storage.storage(),
        logger: silent,
        owner: 'restarted',
        batchSize: 100,
        intervalMs: 1000,
        leaseMs: 60_000,
      });
      expect(await sweeper.sweepOnce(pending!.dueAt - 1)).toEqual({ deleted: [], skipped: [], failed: [] });
      expect(await storage.contents()).toContain(orphan);
      expect(await sweeper.sweepOnce(pending!.dueAt)).toEqual({ deleted: [orphan], skipped: [], failed: [] });
      expect(await storage.contents()).toEqual(before);
      expect(await database.pendingBlobs.find(orphan!)).toBeNull();
    } finally {
      await database.close();
    }
  });

  it('Should finish a delete whose blob removal failed, through the pending record', async () => {
    const t = await createTestApp({ storage: storage.storage() });
    try {
      const id = await uploadKept(t, 80);
      const { storageKey } = (await t.repository.find(id))!.image;
      await storage.breakIt();
      try {
        expect((await t.app.request(`/images/${id}`, { method: 'DELETE' })).status).toBe(204);
      } finally {
        await storage.repair();
      }
      expect((await t.app.request(`/images/${id}`)).status).toBe(404);
      expect(await storage.contents()).toContain(storageKey);
      expect(await t.database.pendingBlobs.find(storageKey)).toMatchObject({ purpose: 'delete' });
      const sweep = await sweeperFor(t, 'sweeper').sweepOnce();
      expect(sweep.deleted).toEqual([storageKey]);
      expect(await storage.contents()).not.toContain(storageKey);
      expect(await t.database.pendingBlobs.find(storageKey)).toBeNull();
    } finally {
      await t.close();
    }
  });
});
