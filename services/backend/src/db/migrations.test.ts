import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../test/support/database.js';
import { createTestDatabase } from '../../test/support/postgres-database.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { openDatabase } from './database.js';
import { migrationsFolder } from './migrations-folder.js';
import { migrateWithLock } from './postgres/connection.js';

async function journalLength(dialect: 'sqlite' | 'postgres'): Promise<number> {
  const journal = JSON.parse(
    await fs.readFile(path.join(migrationsFolder(dialect), 'meta', '_journal.json'), 'utf8'),
  ) as { entries: unknown[] };
  return journal.entries.length;
}

/** A copy of the SQLite migrations folder holding only the first `count` migrations (an older release's). */
async function olderMigrations(dir: string, count: number): Promise<string> {
  const target = path.join(dir, `migrations-${count}`);
  await fs.cp(migrationsFolder('sqlite'), target, { recursive: true });
  const journalFile = path.join(target, 'meta', '_journal.json');
  const journal = JSON.parse(await fs.readFile(journalFile, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  await fs.writeFile(journalFile, JSON.stringify(journal));
  return target;
}

describe('SQLite migrations', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('backend-migrations-');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should create the file with WAL journaling, foreign keys on and every committed migration applied once', async () => {
    const file = path.join(dir, 'nested', 'fresh.sqlite');
    for (let open = 0; open < 2; open++) {
      const database = await openDatabase({ dialect: 'sqlite', path: file });
      if (database.dialect !== 'sqlite') throw new Error('unreachable');
      expect(database.client.$client.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.client.$client.pragma('foreign_keys', { simple: true })).toBe(1);
      const [applied] = await query<{ n: number }>(
        database,
        'select count(*) as n from __drizzle_migrations',
      );
      expect(applied!.n).toBe(await journalLength('sqlite'));
      await database.close();
    }
  });

  it('Should migrate a database created by migration 0000 forward without losing a row, and fill the new tallies', async () => {
    const file = path.join(dir, 'from-0000.sqlite');
    const old = await openDatabase(
      { dialect: 'sqlite', path: file },
      { migrationsFolder: await olderMigrations(dir, 1) },
    );
    await old.close();
    // Rows as the previous release wrote them (its own SQL, on its own schema).
    const sqlite = new Database(file);
    const now = 1_790_000_000_000;
    const insertImage = sqlite.prepare(
      `insert into images (id, filename, content_type, width, height, size_bytes, storage_key, status, error,
         current_run_id, created_at, updated_at) values (?, ?, 'image/jpeg', 640, 480, 1000, ?, ?, ?, null, ?, ?)`,
    );
    const insertRun = sqlite.prepare(
      `insert into detection_runs (id, image_id, model_name, model_version, status, error, object_count, attempts,
         inference_ms, created_at) values (?, ?, 'centernet-coco', '1', ?, ?, ?, 1, 50, ?)`,
    );
    const insertObject = sqlite.prepare(
      `insert into objects (id, image_id, run_id, class_id, label, score, x_min, y_min, x_max, y_max, centroid_x,
         centroid_y, radius, rank) values (?, ?, ?, 0, ?, 0.9, 0, 0, 10, 10, 5, 5, 7.07, ?)`,
    );
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const f = 'f'.repeat(64);
    sqlite.transaction(() => {
      insertImage.run(a, 'a.jpg', `images/aa/${a}`, 'completed', null, now, now);
      insertRun.run('run-a', a, 'completed', null, 3, now);
      sqlite.prepare('update images set current_run_id = ? where id = ?').run('run-a', a);
      insertObject.run('o1', a, 'run-a', 'dog', 0);
      insertObject.run('o2', a, 'run-a', 'Dog', 1);
      insertObject.run('o3', a, 'run-a', 'person', 2);
      insertImage.run(b, 'b.jpg', `images/bb/${b}`, 'completed', null, now + 1, now + 1);
      insertRun.run('run-b', b, 'completed', null, 1, now + 1);
      sqlite.prepare('update images set current_run_id = ? where id = ?').run('run-b', b);
      insertObject.run('o4', b, 'run-b', 'dog', 0);
      insertImage.run(f, 'f.jpg', `images/ff/${f}`, 'failed', 'model server down', now + 2, now + 2);
      insertRun.run('run-f', f, 'failed', 'model server down', 0, now + 2);
    })();
    sqlite.close();

    const database = await openDatabase({ dialect: 'sqlite', path: file });
    try {
      const [counts] = await query<Record<string, number>>(
        database,
        `select (select count(*) from images) as images, (select count(*) from detection_runs) as runs,
           (select count(*) from objects) as objects`,
      );
      expect(counts).toEqual({ images: 3, runs: 3, objects: 4 });
      expect(await database.images.find(a)).toMatchObject({
        image: { storageKey: `images/aa/${a}`, currentRunId: 'run-a', status: 'completed' },
        objectCount: 3,
      });
      expect(await database.images.labels()).toEqual(
        expect.arrayContaining([
          { label: 'dog', imageCount: 2, objectCount: 3 },
          { label: 'person', imageCount: 1, objectCount: 1 },
        ]),
      );
      expect(await database.images.count({})).toEqual({ count: 3, exact: true });
      expect(await database.images.count({ status: 'failed' })).toEqual({ count: 1, exact: true });
      const dogs = await database.images.list({ label: 'DOG', limit: 10, after: null });
      expect(dogs.items.map((item) => item.image.id)).toEqual([b, a]);
      // The old, content-addressed keys stay readable and deletable.
      expect(await database.images.delete(a, { owner: 'test', token: 't', now })).toBe(`images/aa/${a}`);
      expect(await database.images.labels()).toEqual([{ label: 'dog', imageCount: 1, objectCount: 1 }]);
    } finally {
      await database.close();
    }
  });
});

describe('PostgreSQL migrations', () => {
  it('Should apply the migrations once when several replicas start at the same moment (pg_advisory_lock)', async () => {
    const url = await createTestDatabase('migrate');
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const results = await Promise.allSettled(
        pools.map((pool) => migrateWithLock(pool, migrationsFolder('postgres'))),
      );
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      const applied = await pools[0]!.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(applied.rows[0].n).toBe(await journalLength('postgres'));
      const tables = await pools[0]!.query(
        "select count(*)::int as n from information_schema.tables where table_schema = 'public'",
      );
      expect(tables.rows[0].n).toBe(13);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('Should open an already migrated database again without applying anything', async () => {
    const url = await createTestDatabase('reopen');
    for (let open = 0; open < 2; open++) {
      const database = await openDatabase({ dialect: 'postgres', url });
      const [applied] = await query<{ n: string }>(
        database,
        'select count(*) as n from drizzle.__drizzle_migrations',
      );
      expect(Number(applied!.n)).toBe(await journalLength('postgres'));
      await database.close();
    }
  });
});
