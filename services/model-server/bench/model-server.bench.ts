/**
 * Model-server benchmark (`pnpm bench:model-server` at the repository root), on the same machine and the
 * same COCO photos in one run:
 *   1. the in-process pipeline (decode + preprocess + inference + postprocess, through the data plane and
 *      the onnxruntime worker, no HTTP): latency at concurrency 1 and throughput at 1, 2, 4, 8;
 *   2. the production bundle over loopback HTTP with the binary extension and with JSON (base64): p50/p99
 *      at concurrency 1, throughput at 1, 2, 4, 8;
 *   3. cold start: spawn → ready and spawn → first detection returned;
 *   4. peak RSS of the server process;
 *   5. ORT intra-op thread counts compared in-process (how the default was chosen).
 * Writes bench/results/model-server.json at the repository root. Load generator and server share the cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DataPlane } from '../src/dataplane.js';
import type { InferRequest } from '../src/inference/types.js';
import { ServerMetrics } from '../src/metrics.js';
import { createModelLoader } from '../src/models/model-loader.js';
import { ModelRegistry } from '../src/registry.js';
import { ModelRepository } from '../src/repository.js';
import {
  DEFAULT_INTER_OP_THREADS,
  DEFAULT_INTRA_OP_THREADS,
  settingsFromEnvironment,
} from '../src/settings.js';

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPOSITORY_ROOT = path.resolve(PACKAGE_ROOT, '../..');
const MODEL_REPOSITORY = path.join(REPOSITORY_ROOT, 'model/repository');
const COCO_IMAGES = path.resolve(REPOSITORY_ROOT, '../shared/datasets/coco-sample/images');
const RESULTS = path.join(REPOSITORY_ROOT, 'bench/results/model-server.json');
const MODEL = process.env.BENCH_MODEL ?? 'centernet-coco';
const IMAGES = 16;
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 64);
const THROUGHPUT_REQUESTS = Number(process.env.BENCH_THROUGHPUT_REQUESTS ?? 48);
const CONCURRENCY = [1, 2, 4, 8];
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 5);
const WARM_UP = 6;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function latencySummary(samples: number[]) {
  return {
    requests: samples.length,
    p50_ms: round(percentile(samples, 0.5)),
    p90_ms: round(percentile(samples, 0.9)),
    p99_ms: round(percentile(samples, 0.99)),
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

/** Runs `total` calls with `concurrency` in flight; returns requests per second and per-request latencies. */
async function load(concurrency: number, total: number, call: (index: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const index = next++;
        const t = performance.now();
        await call(index);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { concurrency, throughput_rps: round(total / seconds), ...latencySummary(latencies) };
}

async function cocoPhotos(): Promise<Uint8Array[]> {
  const files = (await readdir(COCO_IMAGES))
    .filter((file) => file.endsWith('.jpg'))
    .sort()
    .slice(0, IMAGES);
  return Promise.all(files.map(async (file) => new Uint8Array(await readFile(path.join(COCO_IMAGES, file)))));
}

const imageRequest = (image: Uint8Array): InferRequest => ({
  parameters: {},
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }],
});

async function inProcess(photos: Uint8Array[], intraOpThreads: number) {
  const settings = { ...settingsFromEnvironment({}), modelRepository: MODEL_REPOSITORY, intraOpThreads };
  const logger = pino({ level: 'silent' });
  const registry = new ModelRegistry(
    new ModelRepository(settings.modelRepository),
    createModelLoader(settings),
    logger,
  );
  const dataplane = new DataPlane(registry, new ServerMetrics({ processMetrics: false }), logger);
  await registry.loadAll();
  const call = async (i: number) => {
    await dataplane.infer(MODEL, undefined, imageRequest(photos[i % photos.length]!));
  };
  try {
    for (let i = 0; i < WARM_UP; i++) await call(i);
    const latency = await load(1, LATENCY_REQUESTS, call);
    const throughput = [];
    for (const concurrency of CONCURRENCY)
      throughput.push(await load(concurrency, THROUGHPUT_REQUESTS, call));
    return {
      intra_op_threads: intraOpThreads,
      latency,
      throughput,
      max_throughput_rps: Math.max(...throughput.map((t) => t.throughput_rps)),
    };
  } finally {
    await registry.close();
  }
}

interface ServerProcess {
  child: ChildProcess;
  url: string;
  spawnedAt: number;
}

async function spawnServer(port: number): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'dist/index.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_REPOSITORY,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt };
}

async function untilOk(call: () => Promise<Response>): Promise<Response> {
  for (;;) {
    try {
      const response = await call();
      if (response.ok) return response;
      await response.arrayBuffer();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  if (server.child.exitCode === null) await once(server.child, 'exit');
}

function peakRssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((status) => {
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
    return round(kb / 1024, 1);
  });
}

const encoder = new TextEncoder();

function binaryBody(image: Uint8Array) {
  const header = encoder.encode(
    JSON.stringify({
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: image.length + 4 } },
      ],
    }),
  );
  const body = new Uint8Array(header.length + 4 + image.length);
  body.set(header);
  new DataView(body.buffer).setUint32(header.length, image.length, true);
  body.set(image, header.length + 4);
  return {
    body,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    },
  };
}

function jsonBody(image: Uint8Array) {
  return {
    body: JSON.stringify({
      inputs: [
        { name: 'image', datatype: 'BYTES', shape: [1], data: [Buffer.from(image).toString('base64')] },
      ],
    }),
    headers: { 'content-type': 'application/json' },
  };
}

async function overHttp(photos: Uint8Array[], port: number) {
  const server = await spawnServer(port);
  try {
    await untilOk(() => fetch(`${server.url}/v2/health/ready`));
    const results: Record<string, unknown> = {};
    for (const [encoding, encode] of [
      ['binary', binaryBody],
      ['json', jsonBody],
    ] as const) {
      const bodies: Array<{ body: Uint8Array | string; headers: Record<string, string> }> = photos.map(
        (photo) => encode(photo),
      );
      const call = async (i: number) => {
        const { body, headers } = bodies[i % bodies.length]!;
        const response = await fetch(`${server.url}/v2/models/${MODEL}/infer`, {
          method: 'POST',
          body,
          headers,
        });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      };
      for (let i = 0; i < WARM_UP; i++) await call(i);
      const latency = await load(1, LATENCY_REQUESTS, call);
      const throughput = [];
      for (const concurrency of CONCURRENCY)
        throughput.push(await load(concurrency, THROUGHPUT_REQUESTS, call));
      results[encoding] = {
        latency,
        throughput,
        best_throughput_rps: Math.max(...throughput.map((t) => t.throughput_rps)),
        request_bytes_mean: Math.round(
          bodies.reduce(
            (sum, b) => sum + (typeof b.body === 'string' ? Buffer.byteLength(b.body) : b.body.length),
            0,
          ) / bodies.length,
        ),
      };
    }
    return { ...results, peak_rss_mb: await peakRssMb(server.child.pid!) };
  } finally {
    await stop(server);
  }
}

async function coldStarts(photo: Uint8Array, basePort: number) {
  const runs: Array<{ spawn_to_ready_ms: number; spawn_to_first_detection_ms: number; peak_rss_mb: number }> =
    [];
  const { body, headers } = binaryBody(photo);
  for (let i = 0; i < COLD_STARTS; i++) {
    const server = await spawnServer(basePort + i);
    await untilOk(() => fetch(`${server.url}/v2/health/ready`));
    const ready = performance.now() - server.spawnedAt;
    const response = await untilOk(() =>
      fetch(`${server.url}/v2/models/${MODEL}/infer`, { method: 'POST', body, headers }),
    );
    await response.arrayBuffer();
    const firstDetection = performance.now() - server.spawnedAt;
    const rss = await peakRssMb(server.child.pid!);
    await stop(server);
    runs.push({
      spawn_to_ready_ms: round(ready, 1),
      spawn_to_first_detection_ms: round(firstDetection, 1),
      peak_rss_mb: rss,
    });
  }
  const median = (key: 'spawn_to_ready_ms' | 'spawn_to_first_detection_ms') =>
    percentile(
      runs.map((run) => run[key]),
      0.5,
    );
  return {
    runs,
    spawn_to_ready_median_ms: median('spawn_to_ready_ms'),
    spawn_to_first_detection_median_ms: median('spawn_to_first_detection_ms'),
  };
}

const photos = await cocoPhotos();
const basePort = 18_500 + Math.floor(Math.random() * 300);
console.log(
  `model-server benchmark: ${MODEL}, ${photos.length} COCO photos, ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const threadCounts = [...new Set([1, 2, DEFAULT_INTRA_OP_THREADS])];
const threadChoice = [];
for (const threads of threadCounts) {
  console.log(`in-process pipeline, ORT intra-op threads = ${threads} ...`);
  threadChoice.push(await inProcess(photos, threads));
}
const inProcessDefault = threadChoice.find((entry) => entry.intra_op_threads === DEFAULT_INTRA_OP_THREADS)!;
console.log('HTTP (production bundle) ...');
const http = (await overHttp(photos, basePort)) as {
  binary: { latency: { p50_ms: number }; best_throughput_rps: number };
  json: { latency: { p50_ms: number }; best_throughput_rps: number };
  peak_rss_mb: number;
};
console.log('cold starts ...');
const cold = await coldStarts(photos[0]!, basePort + 10);

const ratios = {
  http_binary_p50_over_in_process_p50: round(http.binary.latency.p50_ms / inProcessDefault.latency.p50_ms, 3),
  http_json_p50_over_in_process_p50: round(http.json.latency.p50_ms / inProcessDefault.latency.p50_ms, 3),
  http_binary_best_throughput_over_in_process_max: round(
    http.binary.best_throughput_rps / inProcessDefault.max_throughput_rps,
    3,
  ),
  http_json_best_throughput_over_in_process_max: round(
    http.json.best_throughput_rps / inProcessDefault.max_throughput_rps,
    3,
  ),
};
const targets = {
  http_p50_at_most_1_10x_in_process: ratios.http_binary_p50_over_in_process_p50 <= 1.1,
  throughput_at_least_0_90x_in_process: ratios.http_binary_best_throughput_over_in_process_max >= 0.9,
  spawn_to_ready_at_most_1000_ms: cold.spawn_to_ready_median_ms <= 1000,
  rss_at_most_400_mb: Math.max(http.peak_rss_mb, ...cold.runs.map((run) => run.peak_rss_mb)) <= 400,
};
const report = {
  when: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    load_average_at_start: os.loadavg().map((l) => round(l)),
    note: 'shared 2-core machine; client and server share the cores; one run',
  },
  model: MODEL,
  images: `${photos.length} photos of ../shared/datasets/coco-sample (mostly 640x480 JPEG), round robin`,
  defaults: {
    intra_op_threads: DEFAULT_INTRA_OP_THREADS,
    inter_op_threads: DEFAULT_INTER_OP_THREADS,
    model_concurrency: 2,
  },
  in_process: inProcessDefault,
  http,
  cold_start: cold,
  peak_rss_mb: Math.max(http.peak_rss_mb, ...cold.runs.map((run) => run.peak_rss_mb)),
  ratios,
  targets,
  thread_choice: threadChoice.map(({ intra_op_threads, latency, max_throughput_rps }) => ({
    intra_op_threads,
    p50_ms: latency.p50_ms,
    p99_ms: latency.p99_ms,
    max_throughput_rps,
  })),
};
await mkdir(path.dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  JSON.stringify(
    {
      in_process: { p50_ms: inProcessDefault.latency.p50_ms, max_rps: inProcessDefault.max_throughput_rps },
      http_binary: { p50_ms: http.binary.latency.p50_ms, best_rps: http.binary.best_throughput_rps },
      http_json: { p50_ms: http.json.latency.p50_ms, best_rps: http.json.best_throughput_rps },
      cold_start: {
        ready_ms: cold.spawn_to_ready_median_ms,
        first_detection_ms: cold.spawn_to_first_detection_median_ms,
      },
      peak_rss_mb: report.peak_rss_mb,
      ratios,
      targets,
      thread_choice: report.thread_choice,
    },
    null,
    2,
  ),
);
console.log(`wrote ${path.relative(REPOSITORY_ROOT, RESULTS)}`);
