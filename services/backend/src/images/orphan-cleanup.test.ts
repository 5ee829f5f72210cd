import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningS3Server, startS3Server } from '../../test/support/s3-server.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { S3BlobStorage } from '../storage/s3-storage.js';
import { imageStorageKey } from '../storage/storage.js';

async function keys(t: TestApp): Promise<string[]> {
  const found: string[] = [];
  for await (const key of t.storage.list()) found.push(key);
  return found.sort();
}

function insertFailedImage(t: TestApp, id: string) {
  const now = Date.now();
  t.repository.insertImage(
    {
      id,
      filename: 'kept.jpg',
      contentType: 'image/jpeg',
      width: 10,
      height: 10,
      sizeBytes: 3,
      storageKey: imageStorageKey(id),
      status: 'failed',
      error: 'model server down',
      createdAt: now,
      updatedAt: now,
    },
    {
      id: crypto.randomUUID(),
      imageId: id,
      modelName: 'centernet-coco',
      status: 'failed',
      error: 'model server down',
      attempts: 1,
      inferenceMs: 0,
      createdAt: now,
    },
    [],
  );
}

describe.each([
  ['fs', false],
  ['s3 (s3rver)', true],
])('Orphan blob cleanup on %s storage', (_name, useS3) => {
  let s3: RunningS3Server | undefined;
  let t: TestApp;
  const kept = 'a'.repeat(64);
  const orphan = 'b'.repeat(64);

  beforeAll(async () => {
    if (useS3) s3 = await startS3Server('orphans');
    t = await createTestApp(
      s3
        ? {
            storage: new S3BlobStorage({
              bucket: s3.bucket,
              prefix: 'detections',
              endpoint: s3.endpoint,
              forcePathStyle: true,
              credentials: s3.credentials,
            }),
          }
        : {},
    );
  });
  afterAll(async () => {
    await t.close();
    await s3?.stop();
  });

  it('Should delete blobs without an image row (a crash after the blob write) and keep the others', async () => {
    await t.storage.put(imageStorageKey(kept), new Uint8Array([1, 2, 3]), 'image/jpeg');
    insertFailedImage(t, kept);
    await t.storage.put(imageStorageKey(orphan), new Uint8Array([4, 5, 6]), 'image/jpeg');
    await t.storage.put(`${imageStorageKey(orphan)}.tmp-0b0e`, new Uint8Array([7]), 'image/jpeg');

    const removed = await t.service.removeOrphanBlobs();

    expect(removed.sort()).toEqual([imageStorageKey(orphan), `${imageStorageKey(orphan)}.tmp-0b0e`]);
    expect(await keys(t)).toEqual([imageStorageKey(kept)]);
    expect((await t.app.request(`/images/${kept}/file`)).status).toBe(200);
  });
});
