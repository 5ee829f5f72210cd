import fs from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { type DetectionDatabase, defaultMigrationsFolder, openDatabase } from './client.js';
import { detectionRuns, images, objects } from './schema.js';

describe('openDatabase', () => {
  let dir: string;
  let db: DetectionDatabase;

  beforeAll(async () => {
    dir = await makeTempDir('backend-db-');
    db = openDatabase(path.join(dir, 'nested', 'detections.sqlite'));
  });
  afterAll(async () => {
    db.$client.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should create the file with WAL journaling and foreign keys enforced', () => {
    expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('Should apply the committed drizzle-kit migrations', async () => {
    const tables = db.$client
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
      )
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(['__drizzle_migrations', 'detection_runs', 'images', 'objects']);
    const journal = JSON.parse(
      await fs.readFile(path.join(defaultMigrationsFolder(), 'meta', '_journal.json'), 'utf8'),
    ) as { entries: unknown[] };
    const applied = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as {
      n: number;
    };
    expect(applied.n).toBe(journal.entries.length);
  });

  it('Should be idempotent when opened again', () => {
    const again = openDatabase(path.join(dir, 'nested', 'detections.sqlite'));
    expect(again.$client.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual({ n: 1 });
    again.$client.close();
  });

  it('Should refuse an object whose image does not exist, and cascade deletes', () => {
    const now = Date.now();
    expect(() =>
      db
        .insert(detectionRuns)
        .values({
          id: 'r0',
          imageId: 'missing',
          modelName: 'm',
          status: 'completed',
          attempts: 1,
          inferenceMs: 1,
          createdAt: now,
        })
        .run(),
    ).toThrow(/FOREIGN KEY/);

    db.insert(images)
      .values({
        id: 'img',
        filename: 'a.jpg',
        contentType: 'image/jpeg',
        width: 1,
        height: 1,
        sizeBytes: 1,
        storageKey: 'images/im/img',
        status: 'completed',
        createdAt: now,
        updatedAt: now,
      })
      .run();
    db.insert(detectionRuns)
      .values({
        id: 'r1',
        imageId: 'img',
        modelName: 'm',
        status: 'completed',
        attempts: 1,
        inferenceMs: 1,
        createdAt: now,
      })
      .run();
    db.insert(objects)
      .values({
        id: 'o1',
        imageId: 'img',
        runId: 'r1',
        classId: 0,
        label: 'person',
        score: 0.9,
        xMin: 0,
        yMin: 0,
        xMax: 1,
        yMax: 1,
        centroidX: 0.5,
        centroidY: 0.5,
        radius: 0.71,
        rank: 0,
      })
      .run();
    db.update(images).set({ currentRunId: 'r1' }).where(eq(images.id, 'img')).run();
    db.delete(images).where(eq(images.id, 'img')).run();
    expect(db.select().from(detectionRuns).all()).toEqual([]);
    expect(db.select().from(objects).all()).toEqual([]);
  });
});
