/**
 * The review's three overloads, bounded and on loopback only: the real backend and the real model server as
 * separate processes, the backend's resident memory sampled from /proc. Under each load the backend stays under
 * its documented memory cap and every request gets an answer within its deadline; an answer may be 503 with
 * Retry-After (backpressure), never a hang or a crash.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motionPhotoTrailer, shippedPhoto } from './support/hostile-images.js';
import { type Answer, countStatuses, percentile, sampleRss, send } from './support/load.js';
import {
  backendRoot,
  type ChildServer,
  closedPort,
  repoRoot,
  startChildServer,
  startModelServer,
} from './support/processes.js';
import { makeTempDir } from './support/temp-dir.js';

/** The backend's documented resident-memory cap under overload (README, "Overload and memory"). */
const RSS_CAP_MB = 512;
/** Every request of these loads must be answered within this, queueing and the model retry deadline included. */
const DEADLINE_MS = 30_000;

const backendEnv = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // As the backend image and run_all.sh start it: glibc's per-thread arenas otherwise keep what libvips' threads
  // freed, and its rising mmap threshold lets freed upload buffers fragment the heap: RSS creeps up load after load.
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MODEL_RETRY_DEADLINE_MS: '1000',
  ADMISSION_QUEUE_TIMEOUT_MS: '3000',
  // /detect is the third load's route: more of them in flight, so the model server's own queue overflows.
  MAX_DETECTIONS_IN_FLIGHT: '32',
};

let dir: string;
let modelPort: number;
let backend: ChildServer;
let modelServer: ChildServer | undefined;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  dir = await makeTempDir('backend-overload-');
  modelPort = await closedPort();
  backend = await startChildServer({
    args: ['--import', 'tsx', path.join(backendRoot, 'src/index.ts')],
    cwd: backendRoot,
    env: {
      ...backendEnv,
      MODEL_SERVER_URL: `http://127.0.0.1:${modelPort}`,
      DATABASE_PATH: path.join(dir, 'detections.sqlite'),
      STORAGE_DIR: path.join(dir, 'images'),
      WEB_UI_DIR: path.join(dir, 'no-ui'),
    },
    port: await closedPort(),
    readyPath: '/health',
  });
  figures.idle_rss_mb = sampleRss(backend.process.pid!).stop();
});

afterAll(async () => {
  console.log(`overload figures: ${JSON.stringify(figures, null, 2)}`);
  await backend?.stop();
  await modelServer?.stop();
});

/** Runs `load` while sampling the backend's RSS; every request must be answered (no error, no timeout). */
async function underLoad(name: string, load: () => Promise<Answer>[]): Promise<Answer[]> {
  const rssBeforeMb = sampleRss(backend.process.pid!).stop();
  const rss = sampleRss(backend.process.pid!);
  const started = performance.now();
  const answers = await Promise.all(load());
  const peakMb = rss.stop();
  const ms = answers.map((answer) => answer.ms);
  figures[name] = {
    requests: answers.length,
    statuses: countStatuses(answers),
    rss_before_mb: rssBeforeMb,
    peak_rss_mb: peakMb,
    latency_ms: { p50: Math.round(percentile(ms, 50)), p99: Math.round(percentile(ms, 99)) },
    wall_ms: Math.round(performance.now() - started),
  };
  expect(peakMb, `${name}: backend RSS peaked at ${peakMb} MB`).toBeLessThan(RSS_CAP_MB);
  for (const answer of answers) {
    expect(answer.ms).toBeLessThan(DEADLINE_MS);
    if (answer.status === 503) expect(answer.retryAfter ?? answer.body, answer.body).toMatch(/^\d+$|failed/);
  }
  expect(backend.process.exitCode, backend.output()).toBeNull();
  return answers;
}

const metric = async (pattern: RegExp) => {
  const text = await (await fetch(`${backend.url}/metrics`)).text();
  return [...text.matchAll(new RegExp(pattern.source, 'gm'))].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
};

describe('the backend under overload (real processes, loopback)', () => {
  it('Should stay under the memory cap with the model server down and 64 uploads of 8 MB at once', async () => {
    const photo = shippedPhoto();
    const video = motionPhotoTrailer(8 << 20);
    const answers = await underLoad('model server down, 64 uploads of 8 MB', () =>
      Array.from({ length: 64 }, (_, i) =>
        send(`${backend.url}/images`, {
          file: {
            field: 'file',
            filename: `motion-${i}.jpg`,
            contentType: 'image/jpeg',
            // A Motion Photo: the JPEG, 8 MB of video after it, and a few bytes that make each upload distinct.
            chunks: [photo, video, Buffer.from(`upload ${i}`)],
          },
          timeoutMs: DEADLINE_MS,
        }),
      ),
    );
    expect(answers.every((answer) => answer.status === 503)).toBe(true);
    const kept = answers.filter((answer) => JSON.parse(answer.body).status === 'failed');
    const refused = answers.filter((answer) => answer.retryAfter === '1');
    expect(kept.length + refused.length).toBe(64);
    expect(refused.length).toBeGreaterThanOrEqual(64 - 4 - 16);
    // Exactly the admitted uploads are stored, each as "failed" (to detect later), none half-written.
    const listed = (await (await fetch(`${backend.url}/images?limit=100`)).json()) as {
      images: { status: string }[];
    };
    expect(listed.images.map((image) => image.status)).toEqual(kept.map(() => 'failed'));
  });

  it('Should stay under the memory cap with 24 concurrent annotated images of a 6300x6300 PNG', async () => {
    const canvas = await sharp({ create: { width: 6300, height: 6300, channels: 3, background: '#6080a0' } })
      .composite([{ input: shippedPhoto(), left: 2800, top: 2900 }])
      .png({ compressionLevel: 9 })
      .toBuffer();
    // Stored while the model server is still down (as "failed"): drawing it does not need the model server.
    const stored = await send(`${backend.url}/images`, {
      file: { field: 'file', filename: 'huge.png', contentType: 'image/png', chunks: [canvas] },
      timeoutMs: DEADLINE_MS,
    });
    expect(stored.status, stored.body).toBe(503);
    const { image_id, status } = JSON.parse(stored.body) as { image_id: string; status: string };
    expect(status).toBe('failed');
    figures.png_bytes = canvas.length;

    const answers = await underLoad('24 concurrent /annotated of a 6300x6300 PNG', () =>
      Array.from({ length: 24 }, () =>
        send(`${backend.url}/images/${image_id}/annotated`, { timeoutMs: DEADLINE_MS }),
      ),
    );
    const statuses = countStatuses(answers);
    expect(Object.keys(statuses).sort()).toEqual(expect.arrayContaining(['200']));
    expect(answers.every((answer) => answer.status === 200 || answer.retryAfter === '1')).toBe(true);
    const drawn = await sharp(
      Buffer.from(await (await fetch(`${backend.url}/images/${image_id}/annotated`)).arrayBuffer()),
    ).metadata();
    expect([drawn.width, drawn.height]).toEqual([2048, 2048]);
  });

  it('Should pass an overloaded model server on at once: 100 concurrent detections, 503 with Retry-After, no retries', async () => {
    modelServer = await startModelServer(modelPort, {
      MODEL_REPOSITORY: path.join(repoRoot, 'model/repository/centernet-coco'),
      MODEL_CONCURRENCY: '1',
      MAX_QUEUED_REQUESTS: '2',
    });
    const photo = shippedPhoto('000000000086.jpg');
    const retriesBefore = await metric(/^backend_model_retries_total (\d+)$/m);
    const answers = await underLoad('100 concurrent /detect against an overloaded model server', () =>
      Array.from({ length: 100 }, () =>
        send(`${backend.url}/detect`, {
          file: { field: 'file', filename: 'photo.jpg', contentType: 'image/jpeg', chunks: [photo] },
          timeoutMs: DEADLINE_MS,
        }),
      ),
    );
    const statuses = countStatuses(answers);
    expect(Object.keys(statuses).sort()).toEqual(['200', '503']);
    const busy = answers.filter((answer) => answer.status === 503);
    for (const answer of busy) expect(answer.retryAfter).toBe('1');
    const passedOn = busy.filter((answer) =>
      JSON.parse(answer.body).error.startsWith('the model server is busy'),
    );
    const refusedHere = busy.filter((answer) =>
      JSON.parse(answer.body).error.startsWith('the server is busy'),
    );
    expect(passedOn.length).toBeGreaterThan(0);
    expect(passedOn.length + refusedHere.length).toBe(busy.length);
    figures.overload_503 = {
      passed_on_from_model_server: passedOn.length,
      refused_by_backend: refusedHere.length,
    };
    // Busy answers are never retried: the retry counter did not move.
    expect(await metric(/^backend_model_retries_total (\d+)$/m)).toBe(retriesBefore);
    expect(
      await metric(/^backend_model_requests_total\{model="centernet-coco",outcome="overloaded"\} (\d+)$/m),
    ).toBe(passedOn.length);
  });
});
