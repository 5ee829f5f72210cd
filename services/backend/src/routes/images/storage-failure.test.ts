import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart, syntheticImage } from '../../../test/support/images.js';
import { makeTempDir } from '../../../test/support/temp-dir.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { FsBlobStorage } from '../../storage/fs-storage.js';

describe('Uploads while the storage cannot be written', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('backend-broken-storage-');
    await fs.writeFile(path.join(dir, 'a-file'), 'not a directory');
    t = await createTestApp({ storage: new FsBlobStorage(path.join(dir, 'a-file', 'images')) });
  });
  afterAll(async () => {
    await t.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should answer 503 saying nothing was stored, and store no rows', async () => {
    const res = await t.app.request('/images', {
      method: 'POST',
      body: multipart(blobOf(await syntheticImage('jpeg', 64, 48, 5))),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'image storage (fs) is unavailable; nothing was stored' });
    const stored = await t.stored();
    expect([stored.images, stored.runs, stored.objects]).toEqual([0, 0, 0]);
  });
});
