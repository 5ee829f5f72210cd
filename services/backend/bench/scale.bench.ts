/**
 * The backend's data layer at scale (`pnpm bench:backend --scale`): copies of the database grown to 10k, 100k and
 * 1M images (8 objects each, ~1 in 50 failed), on SQLite and on PostgreSQL, filled in bulk by SQL (a recursive CTE
 * / generate_series, not through the API). At each size the bundled backend is started as a child process
 * (start-up time, peak RSS) and every read route and DELETE is timed (p50 of sequential requests), then one client
 * pages deep while four others read images by id (their p50 with and without it).
 * Writes bench/results/backend-scale.json at the repository root and prints the table.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '../src/db/database.js';
import { query } from '../test/support/database.js';
import { postgresUrl } from '../test/support/postgres-database.js';
import { startPostgresServer } from '../test/support/postgres-server.js';
import { backendRoot, closedPort, repoRoot, startChildServer } from '../test/support/processes.js';

export const scaleUsage = `pnpm bench:backend --scale [--sizes 10000,100000,1000000] [--dialects sqlite,postgres] [--samples 200]

Grows copies of the database to each size (8 objects per image) in bulk, starts the bundled backend on each and
measures the p50 of every read route and DELETE, deep paging's effect on other clients, start-up time and peak RSS.
Writes bench/results/backend-scale.json. Sizes are cumulative: one database per dialect grows from size to size.`;

/** The real model's 80 COCO labels, from the model repository (`pnpm model:ensure` builds it). */
const labels = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'model/repository/centernet-coco/config.json'), 'utf8')) as {
    labels: string[];
  }
).labels.map((label) => label.replaceAll("'", "''"));
const objectsPerImage = 8;
const epoch = 1_750_000_000_000;
/** Image n is created at epoch + n seconds; every 50th failed; object k of image n has label (7n + 13k) mod 80. */
const failedEvery = 50;

interface Options {
  sizes: number[];
  dialects: Array<'sqlite' | 'postgres'>;
  samples: number;
}

function parseOptions(args: string[]): Options {
  const value = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  return {
    sizes: (value('--sizes') ?? '10000,100000,1000000').split(',').map(Number),
    dialects: (value('--dialects') ?? 'sqlite,postgres').split(',') as Options['dialects'],
    samples: Number(value('--samples') ?? 200),
  };
}

const hexId = (n: number) => n.toString(16).padStart(64, '0');

/** Appends images [from, to) with their runs, objects, label rows and tallies, in SQL. */
async function grow(database: Database, from: number, to: number): Promise<void> {
  const labelValues = labels.map((label, i) => `(${i}, '${label}')`).join(', ');
  if (database.dialect === 'sqlite') {
    const db = database.client.$client;
    const seq = `WITH RECURSIVE seq(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ${to})`;
    const id = "printf('%064x', n)";
    db.exec('BEGIN');
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS bench_labels (idx INTEGER PRIMARY KEY, label TEXT);
      DELETE FROM bench_labels; INSERT INTO bench_labels VALUES ${labelValues};`);
    db.exec(`${seq} INSERT INTO images (id, filename, content_type, width, height, size_bytes, storage_key, status,
        error, current_run_id, created_at, updated_at)
      SELECT ${id}, 'bench.jpg', 'image/jpeg', 640, 480, 50000, 'images/' || substr(${id}, 1, 2) || '/' || ${id},
        CASE WHEN n % ${failedEvery} = 0 THEN 'failed' ELSE 'completed' END,
        CASE WHEN n % ${failedEvery} = 0 THEN 'model server down' END, NULL, ${epoch} + n * 1000, ${epoch} + n * 1000
      FROM seq`);
    db.exec(`${seq} INSERT INTO detection_runs (id, image_id, model_name, model_version, score_threshold, status,
        error, object_count, attempts, inference_ms, created_at)
      SELECT 'run-' || n, ${id}, 'centernet-coco', '1', NULL,
        CASE WHEN n % ${failedEvery} = 0 THEN 'failed' ELSE 'completed' END, NULL,
        CASE WHEN n % ${failedEvery} = 0 THEN 0 ELSE ${objectsPerImage} END, 1, 50, ${epoch} + n * 1000 FROM seq`);
    db.exec(`UPDATE images SET current_run_id = 'run-' || ((created_at - ${epoch}) / 1000)
      WHERE created_at >= ${epoch + from * 1000} AND status = 'completed'`);
    db.exec(`${seq}, k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k + 1 < ${objectsPerImage})
      INSERT INTO objects (id, image_id, run_id, class_id, label, score, x_min, y_min, x_max, y_max, centroid_x,
        centroid_y, radius, rank)
      SELECT printf('%08x-0000-4000-8000-%012x', k, n), ${id}, 'run-' || n, (7 * n + 13 * k) % 80, l.label,
        0.9 - k * 0.05, 10, 20, 110, 220, 60, 120, 111.8, k
      FROM seq, k JOIN bench_labels l ON l.idx = (7 * n + 13 * k) % 80 WHERE n % ${failedEvery} <> 0`);
    db.exec(`INSERT INTO image_labels (image_id, label, object_count, created_at)
      SELECT o.image_id, lower(o.label), count(*), i.created_at FROM objects o JOIN images i ON i.id = o.image_id
      WHERE i.created_at >= ${epoch + from * 1000} GROUP BY o.image_id, lower(o.label)`);
    db.exec('COMMIT');
  } else {
    // One connection: the temporary label table lives in its session.
    const pool = await database.client.$client.connect();
    const id = "lpad(to_hex(n), 64, '0')";
    const series = `generate_series(${from}, ${to - 1}) AS n`;
    await pool.query(`CREATE TEMP TABLE IF NOT EXISTS bench_labels (idx int PRIMARY KEY, label text)`);
    await pool.query(`TRUNCATE bench_labels; INSERT INTO bench_labels VALUES ${labelValues}`);
    await pool.query(`INSERT INTO images (id, filename, content_type, width, height, size_bytes, storage_key, status,
        error, current_run_id, created_at, updated_at)
      SELECT ${id}, 'bench.jpg', 'image/jpeg', 640, 480, 50000, 'images/' || left(${id}, 2) || '/' || ${id},
        CASE WHEN n % ${failedEvery} = 0 THEN 'failed' ELSE 'completed' END,
        CASE WHEN n % ${failedEvery} = 0 THEN 'model server down' END, NULL, ${epoch} + n * 1000::bigint,
        ${epoch} + n * 1000::bigint
      FROM ${series}`);
    await pool.query(`INSERT INTO detection_runs (id, image_id, model_name, model_version, score_threshold, status,
        error, object_count, attempts, inference_ms, created_at)
      SELECT 'run-' || n, ${id}, 'centernet-coco', '1', NULL,
        CASE WHEN n % ${failedEvery} = 0 THEN 'failed' ELSE 'completed' END, NULL,
        CASE WHEN n % ${failedEvery} = 0 THEN 0 ELSE ${objectsPerImage} END, 1, 50, ${epoch} + n * 1000::bigint
      FROM ${series}`);
    await pool.query(`UPDATE images SET current_run_id = 'run-' || ((created_at - ${epoch}) / 1000)
      WHERE created_at >= ${epoch + from * 1000} AND status = 'completed'`);
    await pool.query(`INSERT INTO objects (id, image_id, run_id, class_id, label, score, x_min, y_min, x_max, y_max,
        centroid_x, centroid_y, radius, rank)
      SELECT lpad(to_hex(k), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'), ${id}, 'run-' || n,
        (7 * n + 13 * k) % 80, l.label, 0.9 - k * 0.05, 10, 20, 110, 220, 60, 120, 111.8, k
      FROM ${series} CROSS JOIN generate_series(0, ${objectsPerImage - 1}) AS k
      JOIN bench_labels l ON l.idx = (7 * n + 13 * k) % 80 WHERE n % ${failedEvery} <> 0`);
    await pool.query(`INSERT INTO image_labels (image_id, label, object_count, created_at)
      SELECT o.image_id, lower(o.label), count(*), i.created_at FROM objects o JOIN images i ON i.id = o.image_id
      WHERE i.created_at >= ${epoch + from * 1000} GROUP BY o.image_id, lower(o.label), i.created_at`);
    pool.release();
  }
  // The tallies, recomputed whole (the backend keeps them incrementally; here rows arrived behind its back).
  for (const statement of [
    'DELETE FROM label_counts',
    'INSERT INTO label_counts (label, image_count, object_count) SELECT label, count(*), sum(object_count) FROM image_labels GROUP BY label',
    'DELETE FROM image_status_counts',
    'INSERT INTO image_status_counts (status, image_count) SELECT status, count(*) FROM images GROUP BY status',
  ])
    await query(database, statement);
  await query(database, database.dialect === 'sqlite' ? 'ANALYZE' : 'VACUUM ANALYZE');
  // Fold the bulk load's write-ahead log into the database file, as SQLite's own checkpoints would over time.
  if (database.dialect === 'sqlite') database.client.$client.pragma('wal_checkpoint(TRUNCATE)');
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const round = (value: number) => Math.round(value * 100) / 100;

async function timed(url: string, init?: RequestInit): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}`);
  return ms;
}

const objectId = (n: number, k: number) =>
  `${k.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const cursorAt = (n: number) =>
  Buffer.from(JSON.stringify([epoch + n * 1000, hexId(n)])).toString('base64url');

/** Peak resident set size of a process (Linux), in MiB. */
function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024);
}

async function measure(
  backendEnv: Record<string, string>,
  size: number,
  samples: number,
  deleted: Set<number>,
): Promise<Record<string, number>> {
  const started = performance.now();
  const backend = await startChildServer({
    args: [path.join(backendRoot, 'dist/index.js')],
    cwd: backendRoot,
    env: {
      ...backendEnv,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
    },
    port: await closedPort(),
    readyPath: '/ready?model_server=false',
    readyTimeoutMs: 300_000,
  });
  const startupMs = performance.now() - started;
  const rss = peakRssMiB(backend.process.pid!);
  const base = backend.url;
  // Images spread over the table: completed ones (with objects) that no earlier size deleted.
  const usable = (n: number) => n % failedEvery !== 0 && !deleted.has(n);
  const spread = (offset: number) =>
    Array.from({ length: samples }, (_, i) => {
      let n = Math.floor(((i + offset) / samples) * size);
      while (!usable(n)) n += 1;
      return n;
    });
  const sample = spread(0.25);
  const doomed = spread(0.75).slice(0, 100);
  const routes: Record<string, (i: number) => string> = {
    'GET /images': () => '/images',
    'GET /images (cursor at 50%)': () => `/images?cursor=${cursorAt(Math.floor(size / 2))}`,
    'GET /images (cursor at 99%)': () => `/images?cursor=${cursorAt(Math.floor(size / 100))}`,
    'GET /images?status=failed': () => '/images?status=failed',
    'GET /images?label=dog': () => '/images?label=dog',
    'GET /images?label=dog (cursor at 50%)': () =>
      `/images?label=dog&cursor=${cursorAt(Math.floor(size / 2))}`,
    'GET /images?created_after&created_before': () =>
      `/images?created_after=${new Date(epoch + size * 250).toISOString()}&created_before=${new Date(epoch + size * 750).toISOString()}`,
    'GET /images/{id}': (i) => `/images/${hexId(sample[i]!)}`,
    'GET /images/{id}/objects': (i) => `/images/${hexId(sample[i]!)}/objects`,
    'GET /images/{id}/objects/{object_id}': (i) =>
      `/images/${hexId(sample[i]!)}/objects/${objectId(sample[i]!, 3)}`,
    'GET /labels': () => '/labels',
  };
  const result: Record<string, number> = {
    'start-up (ms)': round(startupMs),
    'peak RSS at start (MiB)': rss,
  };
  try {
    for (const [name, route] of Object.entries(routes)) {
      for (let i = 0; i < 5; i++) await timed(`${base}${route(i)}`); // warm-up
      const times: number[] = [];
      for (let i = 0; i < samples; i++) times.push(await timed(`${base}${route(i)}`));
      result[name] = round(percentile(times, 50));
    }
    // DELETE removes real rows (cascading runs, objects and label rows, moving the tallies).
    const deletes: number[] = [];
    for (const n of doomed) {
      deletes.push(await timed(`${base}/images/${hexId(n)}`, { method: 'DELETE' }));
      deleted.add(n);
    }
    result['DELETE /images/{id}'] = round(percentile(deletes, 50));

    // Four clients read images by id; then again while a fifth pages from deep cursors.
    const readers = async (durationMs: number) => {
      const times: number[] = [];
      const until = performance.now() + durationMs;
      await Promise.all(
        Array.from({ length: 4 }, async (_, client) => {
          for (let i = client; performance.now() < until; i += 4)
            times.push(await timed(`${base}/images/${hexId(sample[i % samples]!)}`));
        }),
      );
      return percentile(times, 50);
    };
    const alone = await readers(3000);
    let paging = true;
    const pager = (async () => {
      for (let i = 0; paging; i++)
        await timed(
          `${base}/images?limit=100&cursor=${cursorAt(Math.floor(size * (0.01 + (i % 50) / 100)))}`,
        );
    })();
    const withPager = await readers(3000);
    paging = false;
    await pager;
    result['GET /images/{id}, 4 clients (p50)'] = round(alone);
    result['… while one client pages deep (p50)'] = round(withPager);
    result['deep paging shifts others by (ms)'] = round(withPager - alone);
  } finally {
    await backend.stop();
  }
  return result;
}

export async function runScaleBenchmark(args: string[]): Promise<void> {
  const options = parseOptions(args);
  console.log('building the backend bundle…');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: backendRoot,
    stdio: 'inherit',
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-scale-'));
  const postgres = options.dialects.includes('postgres') ? await startPostgresServer() : null;
  const results: Record<string, Record<number, Record<string, number>>> = {};
  const fill: Record<string, Record<number, number>> = {};
  try {
    for (const dialect of options.dialects) {
      const url = postgres ? postgresUrl(postgres.connection, 'postgres') : '';
      const database =
        dialect === 'sqlite'
          ? await openDatabase({ dialect: 'sqlite', path: path.join(work, 'scale.sqlite') })
          : await openDatabase({ dialect: 'postgres', url });
      const backendEnv: Record<string, string> =
        dialect === 'sqlite'
          ? { DATABASE_PATH: path.join(work, 'scale.sqlite'), STORAGE_DIR: path.join(work, 'images') }
          : { DATABASE_URL: url, STORAGE_DIR: path.join(work, 'images') };
      results[dialect] = {};
      fill[dialect] = {};
      let have = 0;
      const deleted = new Set<number>();
      for (const size of options.sizes) {
        const started = performance.now();
        await grow(database, have, size);
        have = size;
        fill[dialect][size] = round((performance.now() - started) / 1000);
        console.log(`${dialect}: grew to ${size} images in ${fill[dialect][size]} s; measuring…`);
        results[dialect][size] = await measure(backendEnv, size, options.samples, deleted);
        console.log(JSON.stringify(results[dialect][size]));
      }
      await database.close();
    }
  } finally {
    await postgres?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const lines: string[] = [];
  for (const dialect of options.dialects) {
    const sizes = options.sizes;
    const first = results[dialect]![sizes[0]!]!;
    const last = results[dialect]![sizes.at(-1)!]!;
    lines.push(`\n${dialect} (p50 ms unless noted)`);
    lines.push(`| Measure | ${sizes.map((size) => size.toLocaleString('en')).join(' | ')} | last / first |`);
    lines.push(`| --- | ${sizes.map(() => '---').join(' | ')} | --- |`);
    for (const name of Object.keys(first)) {
      const ratio = first[name]! > 0 ? round(last[name]! / first[name]!) : Number.NaN;
      lines.push(
        `| ${name} | ${sizes.map((size) => results[dialect]![size]![name]).join(' | ')} | ${ratio} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  const out = path.join(repoRoot, 'bench/results/backend-scale.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        benchmark: 'backend-scale',
        measured_at: new Date().toISOString(),
        machine: {
          cpus: os.cpus().length,
          cpu_model: os.cpus()[0]?.model ?? 'unknown',
          node: process.version,
        },
        caveat: 'shared 2-core machine: figures are noisy; compare ratios within one run',
        data: { objects_per_image: objectsPerImage, failed_every: failedEvery, labels: labels.length },
        fill_seconds: fill,
        p50_ms: results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(repoRoot, out)}`);
}
