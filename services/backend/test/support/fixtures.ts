import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.js';
import type { BlobReservation } from '../../src/db/image-repository.js';
import type { DetectionRunRow, ImageStatus, NewImageRow, NewObjectRow } from '../../src/db/records.js';
import { newImageStorageKey } from '../../src/storage/image-keys.js';
import { query } from './database.js';

export const imageIdOf = (seed: string) => createHash('sha256').update(seed).digest('hex');

export interface ImageFixture {
  image: NewImageRow & { status: ImageStatus };
  run: DetectionRunRow;
  objects: NewObjectRow[];
}

/** An image row with its first run and objects (one per label given), as the upload pipeline would build them. */
export function imageFixture(
  seed: string,
  options: { createdAt?: number; status?: ImageStatus; labels?: string[] } = {},
): ImageFixture {
  const id = imageIdOf(seed);
  const createdAt = options.createdAt ?? Date.now();
  const status = options.status ?? 'completed';
  const runId = randomUUID();
  const labels = status === 'completed' ? (options.labels ?? ['person']) : [];
  return {
    image: {
      id,
      filename: `${seed}.jpg`,
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
      sizeBytes: 1000,
      storageKey: newImageStorageKey(id),
      sourceUrl: null,
      status,
      error: status === 'failed' ? 'model server down' : null,
      createdAt,
      updatedAt: createdAt,
    },
    run: runOf(id, runId, status, labels.length, createdAt),
    objects: labels.map((label, rank) => objectOf(id, runId, label, rank)),
  };
}

export function runOf(
  imageId: string,
  id: string,
  status: ImageStatus,
  objectCount: number,
  createdAt: number,
): DetectionRunRow {
  return {
    id,
    imageId,
    modelName: 'centernet-coco',
    modelVersion: status === 'completed' ? '1' : null,
    scoreThreshold: null,
    status,
    error: status === 'failed' ? 'model server down' : null,
    objectCount,
    attempts: 1,
    inferenceMs: 12.5,
    createdAt,
  };
}

export function objectOf(imageId: string, runId: string, label: string, rank: number): NewObjectRow {
  return {
    id: randomUUID(),
    imageId,
    runId,
    classId: rank,
    label,
    score: 0.9 - rank * 0.01,
    xMin: 10,
    yMin: 20,
    xMax: 110,
    yMax: 220,
    centroidX: 60,
    centroidY: 120,
    radius: 111.8,
    rank,
  };
}

/** Records the upload's pending blob, then commits the image: what `ImageService.upload` does minus the blob. */
export async function insertFixture(database: Database, fixture: ImageFixture): Promise<BlobReservation> {
  const reservation = { storageKey: fixture.image.storageKey, token: randomUUID() };
  await database.pendingBlobs.record({
    ...reservation,
    purpose: 'upload',
    owner: 'test',
    createdAt: fixture.image.createdAt,
    dueAt: fixture.image.createdAt + 900_000,
  });
  await database.images.insertImage(fixture.image, fixture.run, fixture.objects, reservation);
  return reservation;
}

/**
 * The tallies agree with the rows they summarise: per-label counts with `image_labels`, `image_labels` with the
 * current objects, per-status counts with `images`. Returns the differences (empty when consistent).
 */
export async function tallyMismatches(database: Database): Promise<unknown[]> {
  const checks = [
    `select l.label, l.image_count, l.object_count, coalesce(x.images, 0) as images, coalesce(x.objects, 0) as objects
       from label_counts l left join (select label, count(*) as images, sum(object_count) as objects
       from image_labels group by label) x on x.label = l.label
       where l.image_count <> coalesce(x.images, 0) or l.object_count <> coalesce(x.objects, 0)`,
    `select x.label from (select label from image_labels group by label) x
       left join label_counts l on l.label = x.label where l.label is null`,
    `select il.image_id, il.label from image_labels il left join (select image_id, lower(label) as label,
       count(*) as n from objects group by image_id, lower(label)) o on o.image_id = il.image_id and o.label = il.label
       where o.n is null or o.n <> il.object_count`,
    `select o.image_id, lower(o.label) as label from objects o left join image_labels il
       on il.image_id = o.image_id and il.label = lower(o.label) where il.image_id is null`,
    `select s.status, s.image_count from image_status_counts s left join (select status, count(*) as n from images
       group by status) x on x.status = s.status where s.image_count <> coalesce(x.n, 0)`,
    `select o.id from objects o join images i on i.id = o.image_id where o.run_id <> i.current_run_id
       or i.current_run_id is null`,
  ];
  const found: unknown[] = [];
  for (const sql of checks) found.push(...(await query(database, sql)));
  return found;
}
