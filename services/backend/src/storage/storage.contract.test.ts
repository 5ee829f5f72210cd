import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listObjectKeys, type RunningS3Server, startS3Server } from '../../test/support/s3-server.js';
import { listFilesRecursively, makeTempDir } from '../../test/support/temp-dir.js';
import { FsBlobStorage } from './fs-storage.js';
import { S3BlobStorage } from './s3-storage.js';
import type { BlobStorage } from './storage.js';

interface StorageHarness {
  name: string;
  setUp(): Promise<void>;
  /** A fresh, empty storage for each test. */
  create(): Promise<BlobStorage>;
  /** What the last created storage holds, read from the directory or bucket directly (keys relative to its root). */
  contents(): Promise<string[]>;
  tearDown(): Promise<void>;
}

function fsHarness(): StorageHarness {
  const roots: string[] = [];
  return {
    name: 'fs',
    async setUp() {},
    async create() {
      const root = await makeTempDir('backend-fs-storage-');
      roots.push(root);
      return new FsBlobStorage(root);
    },
    async contents() {
      return listFilesRecursively(roots.at(-1)!);
    },
    async tearDown() {
      await Promise.all(roots.map((root) => fs.rm(root, { recursive: true, force: true })));
    },
  };
}

function s3Harness(): StorageHarness {
  let server: RunningS3Server;
  let counter = 0;
  const clients: S3BlobStorage[] = [];
  return {
    name: 's3 (s3rver over HTTP, path-style)',
    async setUp() {
      server = await startS3Server();
    },
    async create() {
      counter += 1;
      const storage = new S3BlobStorage({
        bucket: server.bucket,
        prefix: `run-${counter}`,
        endpoint: server.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: server.credentials,
      });
      clients.push(storage);
      return storage;
    },
    async contents() {
      const prefix = `run-${counter}/`;
      return (await listObjectKeys(server, prefix)).map((key) => key.slice(prefix.length));
    },
    async tearDown() {
      for (const client of clients) client.destroy();
      await server?.stop();
    },
  };
}

describe.each([fsHarness(), s3Harness()])('BlobStorage contract: $name', (harness) => {
  let storage: BlobStorage;

  beforeAll(() => harness.setUp());
  afterAll(() => harness.tearDown());
  beforeEach(async () => {
    storage = await harness.create();
  });

  it('Should return exactly the bytes that were put', async () => {
    const body = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    await storage.put('images/ab/abc', body, 'image/jpeg');
    const read = await storage.get('images/ab/abc');
    expect(read).not.toBeNull();
    expect(Buffer.from(read!).equals(Buffer.from(body))).toBe(true);
  });

  it('Should answer null and false for a key that was never put', async () => {
    expect(await storage.get('images/zz/missing')).toBeNull();
    expect(await storage.exists('images/zz/missing')).toBe(false);
  });

  it('Should replace the blob when the same key is put twice', async () => {
    await storage.put('images/aa/one', new Uint8Array([1, 2, 3]), 'image/png');
    await storage.put('images/aa/one', new Uint8Array([4, 5]), 'image/png');
    expect(Array.from((await storage.get('images/aa/one'))!)).toEqual([4, 5]);
  });

  it('Should delete a blob and treat deleting a missing blob as success', async () => {
    await storage.put('images/aa/gone', new Uint8Array([9]), 'image/png');
    expect(await storage.exists('images/aa/gone')).toBe(true);
    await storage.delete('images/aa/gone');
    expect(await storage.exists('images/aa/gone')).toBe(false);
    expect(await storage.get('images/aa/gone')).toBeNull();
    await expect(storage.delete('images/aa/gone')).resolves.toBeUndefined();
  });

  it('Should hold exactly the stored keys under its root, nothing left over from writes or deletes', async () => {
    expect(await harness.contents()).toEqual([]);
    await storage.put('images/aa/first', new Uint8Array([1]), 'image/jpeg');
    await storage.put('images/bb/second', new Uint8Array([2]), 'image/jpeg');
    await storage.put('images/bb/third', new Uint8Array([3]), 'image/jpeg');
    await storage.delete('images/bb/third');
    expect(await harness.contents()).toEqual(['images/aa/first', 'images/bb/second']);
  });

  it('Should refuse keys that could escape its namespace', async () => {
    for (const key of ['../etc/passwd', 'images/../../x', '/absolute', 'images//double', '', 'a\\b']) {
      await expect(storage.put(key, new Uint8Array([1]), 'image/png'), key).rejects.toThrow(
        /invalid storage key/,
      );
    }
  });

  it('Should pass its readiness check', async () => {
    await expect(storage.check()).resolves.toBeUndefined();
  });
});

describe('FsBlobStorage', () => {
  it('Should remove the partial file a crash left behind when its key is deleted', async () => {
    const root = await makeTempDir('backend-fs-partial-');
    const storage = new FsBlobStorage(root);
    await fs.mkdir(path.join(root, 'images', 'cc'), { recursive: true });
    await fs.writeFile(path.join(root, 'images', 'cc', 'ccc.partial'), 'half a blob');
    await storage.delete('images/cc/ccc');
    expect(await listFilesRecursively(root)).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
