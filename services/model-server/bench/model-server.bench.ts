/**
 * Model-server benchmark (`pnpm bench:model-server` at the repository root), on the same machine and the
 * same COCO photos in one run:
 *   1. the in-process pipeline (decode + preprocess + inference + postprocess, through the data plane and
 *      the onnxruntime worker, no HTTP): latency at concurrency 1 and throughput at 1, 2, 4, 8;
 *   2. the production bundle over loopback HTTP with the binary extension and with JSON (base64): p50/p99
 *      at concurrency 1, throughput at 1, 2, 4, 8;
 *   3. cold start: spawn → ready and spawn → first detection returned;
 *   4. peak RSS of the server process;
 *   5. ORT intra-op thread counts compared in-process (how the default was chosen);
 *   6. gRPC against REST binary on one server (bench/grpc-vs-rest.ts);
 *   7. issue 17 (bench/batching-and-preprocessing.ts): session.run alone at batch 1 and max_batch_size,
 *      preprocessing alone per 640×480 JPEG, dynamic batching on vs off and the in-process pipeline at
 *      concurrency 1–16, and the issue's target ratios computed from figures of this run.
 * Writes bench/results/model-server.json at the repository root. Load generator and server share the cores.
 */
import './usage.js';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedPhotos } from '@detection/test-data';
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
  DEFAULT_ORT_THREAD_SPINNING,
  settingsFromEnvironment,
} from '../src/settings.js';
import { binaryImageRequest, jsonImageRequest } from '../test/support/requests.js';
import { batchingSection, preprocessingSection, sessionRunSection } from './batching-and-preprocessing.js';
import { grpcVersusRest } from './grpc-vs-rest.js';
import { IMAGE_GLIBC_ENVIRONMENT } from './image-environment.js';

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPOSITORY_ROOT = path.resolve(PACKAGE_ROOT, '../..');
const MODEL_REPOSITORY = path.join(REPOSITORY_ROOT, 'model/repository');
const RESULTS = path.join(REPOSITORY_ROOT, 'bench/results/model-server.json');
const MODEL = process.env.BENCH_MODEL ?? 'centernet-coco';
const IMAGES = 16;
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 96);
const THROUGHPUT_REQUESTS = Number(process.env.BENCH_THROUGHPUT_REQUESTS ?? 128);
const CONCURRENCY = [1, 2, 4, 8];
const BATCHING_CONCURRENCY = [1, 2, 4, 8, 16];
const ISSUE_17_RUNS = Number(process.env.BENCH_ISSUE17_RUNS ?? 40);
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
  return { concurrency, throughput_rps: total / seconds, samples: latencies };
}

/** The first IMAGES photos the repository ships (COCO JPEGs, 313-640 px a side). */
async function benchPhotos(): Promise<Uint8Array[]> {
  return Promise.all(
    shippedPhotos.slice(0, IMAGES).map(async (photo) => new Uint8Array(await readFile(photo.file))),
  );
}

const imageRequest = (image: Uint8Array): InferRequest => ({
  parameters: {},
  inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [image] }],
});

/** The server's pipeline in this process: repository → registry (onnxruntime workers) → data plane, no HTTP. */
async function inProcessPipeline(intraOpThreads: number, threadSpinning = DEFAULT_ORT_THREAD_SPINNING) {
  const settings = {
    ...settingsFromEnvironment({}),
    modelRepository: MODEL_REPOSITORY,
    intraOpThreads,
    threadSpinning,
  };
  const logger = pino({ level: 'silent' });
  const registry = new ModelRegistry(
    new ModelRepository(settings.modelRepository),
    createModelLoader(settings),
    logger,
  );
  const dataplane = new DataPlane(registry, new ServerMetrics({ processMetrics: false }), logger);
  await registry.loadAll();
  return {
    call: (image: Uint8Array) => dataplane.infer(MODEL, undefined, imageRequest(image)).then(() => undefined),
    close: () => registry.close(),
  };
}

type Call = (index: number) => Promise<void>;

/**
 * Latency at concurrency 1 and throughput at each concurrency for several ways of calling the same pipeline,
 * interleaved in rounds so that the noise of a shared machine falls on all of them alike. The ways take turns
 * at going first in a round: the first one's latency block follows the previous round's heaviest load (and its
 * garbage), which cost it several milliseconds of p50 whatever it was.
 */
async function compare(
  ways: Record<string, Call>,
  rounds: number,
  concurrencies: readonly number[] = CONCURRENCY,
) {
  const latencies: Record<string, number[]> = {};
  const throughput: Record<string, Record<number, number[]>> = {};
  for (const [name, call] of Object.entries(ways)) {
    latencies[name] = [];
    throughput[name] = {};
    for (let i = 0; i < WARM_UP; i++) await call(i);
  }
  const entries = Object.entries(ways);
  for (let round = 0; round < rounds; round++) {
    const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
    for (const [name, call] of order) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const batch = await load(1, LATENCY_REQUESTS / rounds, (i) => call(round * 100 + i));
      latencies[name]!.push(...batch.samples);
    }
    for (const concurrency of concurrencies) {
      for (const [name, call] of order) {
        const run = await load(concurrency, THROUGHPUT_REQUESTS / rounds, call);
        const runs = throughput[name]![concurrency] ?? [];
        runs.push(run.throughput_rps);
        throughput[name]![concurrency] = runs;
      }
    }
  }
  return Object.fromEntries(
    Object.keys(ways).map((name) => {
      const perConcurrency = concurrencies.map((concurrency) => {
        const runs = throughput[name]![concurrency]!;
        return { concurrency, throughput_rps: round(runs.reduce((a, b) => a + b, 0) / runs.length) };
      });
      return [
        name,
        {
          latency: latencySummary(latencies[name]!),
          throughput: perConcurrency,
          best_throughput_rps: Math.max(...perConcurrency.map((t) => t.throughput_rps)),
        },
      ];
    }),
  );
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
      GRPC_PORT: 'off',
      MODEL_REPOSITORY,
      LOG_LEVEL: 'warn',
      ...IMAGE_GLIBC_ENVIRONMENT,
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

// node:http with keep-alive sockets: a lean load generator, so the figures are the server's rather than fetch's.
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(...CONCURRENCY, ...BATCHING_CONCURRENCY) });

function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: hostname,
        port,
        path: `/v2/models/${MODEL}/infer`,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function httpCall(
  url: string,
  bodies: Array<{ body: Uint8Array | string; headers: Record<string, string> }>,
): Call {
  return async (i) => {
    const { body, headers } = bodies[i % bodies.length]!;
    const status = await post(url, body, headers);
    if (status !== 200) throw new Error(`HTTP ${status}`);
  };
}

async function coldStarts(photo: Uint8Array, basePort: number) {
  const runs: Array<{ spawn_to_ready_ms: number; spawn_to_first_detection_ms: number; peak_rss_mb: number }> =
    [];
  const { body, headers } = binaryImageRequest(photo);
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

console.log('building the model server bundle (dist/) ...');
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
  cwd: PACKAGE_ROOT,
  stdio: 'inherit',
});
const photos = await benchPhotos();
const basePort = 18_500 + Math.floor(Math.random() * 300);
const loadAtStart = os.loadavg().map((l) => round(l));
console.log(
  `model-server benchmark: ${MODEL}, ${photos.length} COCO photos, ${os.cpus().length} CPUs, load average ${loadAtStart.join(' ')}`,
);

console.log('session.run alone and preprocessing alone, in-process ...');
const sessionRun = await sessionRunSection({
  modelRepository: MODEL_REPOSITORY,
  model: MODEL,
  intraOpThreads: DEFAULT_INTRA_OP_THREADS,
  defaultSpinning: DEFAULT_ORT_THREAD_SPINNING,
  runs: ISSUE_17_RUNS,
});
const preprocessing = await preprocessingSection({
  modelRepository: MODEL_REPOSITORY,
  model: MODEL,
  runs: ISSUE_17_RUNS * 2,
});

console.log(
  'ORT intra-op threads 1 vs 2, idle threads spinning during runs, always and never, in-process, interleaved ...',
);
const candidates: Record<string, Awaited<ReturnType<typeof inProcessPipeline>>> = {
  '1': await inProcessPipeline(1),
  '2/during-run': await inProcessPipeline(2, 'during-run'),
  '2/always': await inProcessPipeline(2, 'always'),
  '2/never': await inProcessPipeline(2, 'never'),
};
const byThreads = await compare(
  Object.fromEntries(
    Object.entries(candidates).map(([threads, candidate]) => [
      threads,
      (i: number) => candidate.call(photos[i % photos.length]!),
    ]),
  ),
  2,
);
await Promise.all(Object.values(candidates).map((candidate) => candidate.close()));
const threadChoice = Object.entries(byThreads).map(([threads, { latency, best_throughput_rps }]) => ({
  intra_op_threads: Number.parseInt(threads, 10),
  thread_spinning: threads.split('/')[1] ?? 'none (no pool)',
  p50_ms: latency.p50_ms,
  p99_ms: latency.p99_ms,
  max_throughput_rps: best_throughput_rps,
}));

console.log('in-process pipeline vs HTTP (production bundle), interleaved ...');
const pipeline = await inProcessPipeline(DEFAULT_INTRA_OP_THREADS);
const server = await spawnServer(basePort);
await untilOk(() => fetch(`${server.url}/v2/health/ready`));
const binaryBodies = photos.map((photo) => binaryImageRequest(photo));
const jsonBodies = photos.map((photo) => jsonImageRequest(photo));
const compared = await compare(
  {
    in_process: (i) => pipeline.call(photos[i % photos.length]!),
    http_binary: httpCall(server.url, binaryBodies),
    http_json: httpCall(server.url, jsonBodies),
  },
  4,
);
const serverPeakRss = await peakRssMb(server.child.pid!);
await stop(server);
await pipeline.close();

console.log('gRPC vs REST binary (production bundle, one server), interleaved ...');
const grpc = await grpcVersusRest({
  bundle: path.join(PACKAGE_ROOT, 'dist/index.js'),
  modelRepository: MODEL_REPOSITORY,
  model: MODEL,
  photos,
  ports: { rest: basePort + 5, grpc: basePort + 6 },
  compare,
  restBinaryCall: (url) => httpCall(url, binaryBodies),
  rounds: 4,
});

console.log('dynamic batching on vs off (production bundle, two servers), concurrency 1-16, interleaved ...');
const batchingPipeline = await inProcessPipeline(DEFAULT_INTRA_OP_THREADS);
const batching = await batchingSection({
  bundle: path.join(PACKAGE_ROOT, 'dist/index.js'),
  modelRepository: MODEL_REPOSITORY,
  ports: { on: basePort + 7, off: basePort + 8 },
  compare,
  restBinaryCall: (url) => httpCall(url, binaryBodies),
  inProcessCall: (i) => batchingPipeline.call(photos[i % photos.length]!),
  concurrency: BATCHING_CONCURRENCY,
  rounds: 4,
});
await batchingPipeline.close();
agent.destroy();
const inProcess = compared.in_process!;
const http = {
  binary: {
    ...compared.http_binary!,
    request_bytes_mean: Math.round(binaryBodies.reduce((sum, b) => sum + b.body.length, 0) / photos.length),
  },
  json: {
    ...compared.http_json!,
    request_bytes_mean: Math.round(
      jsonBodies.reduce((sum, b) => sum + Buffer.byteLength(b.body), 0) / photos.length,
    ),
  },
  peak_rss_mb: serverPeakRss,
};

console.log('cold starts ...');
const cold = await coldStarts(photos[0]!, basePort + 10);

const ratios = {
  http_binary_p50_over_in_process_p50: round(http.binary.latency.p50_ms / inProcess.latency.p50_ms, 3),
  http_json_p50_over_in_process_p50: round(http.json.latency.p50_ms / inProcess.latency.p50_ms, 3),
  http_binary_best_throughput_over_in_process_max: round(
    http.binary.best_throughput_rps / inProcess.best_throughput_rps,
    3,
  ),
  http_json_best_throughput_over_in_process_max: round(
    http.json.best_throughput_rps / inProcess.best_throughput_rps,
    3,
  ),
};
const peakRss = Math.max(http.peak_rss_mb, ...cold.runs.map((run) => run.peak_rss_mb));
const targets = {
  http_p50_at_most_1_10x_in_process: ratios.http_binary_p50_over_in_process_p50 <= 1.1,
  throughput_at_least_0_90x_in_process: ratios.http_binary_best_throughput_over_in_process_max >= 0.9,
  spawn_to_ready_at_most_1000_ms: cold.spawn_to_ready_median_ms <= 1000,
  rss_at_most_400_mb: peakRss <= 400,
};
const modelBound = 1000 / sessionRun.batch_1_p50_ms;
// Both p50s from the same interleaved rounds (the batching section), so that they share the machine's noise.
const batchingOnC1 = batching.batching_on.latency.p50_ms;
const inProcessC1 = batching.in_process.latency.p50_ms;
const issue17 = {
  session_run_batch_1_p50_ms: sessionRun.batch_1_p50_ms,
  model_bound_rps: round(modelBound),
  best_throughput_batching_on_rps: batching.batching_on.best_throughput_rps,
  best_throughput_over_model_bound: round(batching.batching_on.best_throughput_rps / modelBound, 3),
  p50_concurrency_1_batching_on_ms: batchingOnC1,
  in_process_p50_ms: inProcessC1,
  p50_concurrency_1_over_in_process_p50: round(batchingOnC1 / inProcessC1, 3),
  grpc_p50_over_rest_binary_p50: grpc.ratios.grpc_p50_over_rest_binary_p50,
  preprocessing_p50_ms: preprocessing.p50_ms,
  peak_rss_mb: peakRss,
  spawn_to_ready_median_ms: cold.spawn_to_ready_median_ms,
  targets: {
    best_throughput_at_least_0_8x_model_bound: batching.batching_on.best_throughput_rps >= 0.8 * modelBound,
    p50_concurrency_1_no_worse_than_in_process: batchingOnC1 <= inProcessC1,
    grpc_p50_at_most_rest_binary_p50: grpc.target_grpc_p50_at_most_rest_binary_p50,
    preprocessing_p50_at_most_5_ms: preprocessing.p50_ms <= 5,
    rss_at_most_400_mb: peakRss <= 400,
    spawn_to_ready_at_most_1000_ms: cold.spawn_to_ready_median_ms <= 1000,
  },
};
const report = {
  when: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    load_average_at_start: loadAtStart,
    load_average_at_end: os.loadavg().map((l) => round(l)),
    note: 'shared 2-core machine; load generator and server share the cores; in-process and HTTP figures interleaved in 4 rounds of one run',
  },
  model: MODEL,
  images: `${photos.length} shipped COCO photos of evaluation/dataset (JPEG, 313-640 px a side), round robin`,
  method: {
    latency: `${LATENCY_REQUESTS} requests at concurrency 1 after ${WARM_UP} warm-up requests`,
    throughput: `${THROUGHPUT_REQUESTS} requests per concurrency level, mean of the rounds`,
    cold_start: `${COLD_STARTS} spawns of node dist/index.js; ready = first 200 from /v2/health/ready (polled every 5 ms); first detection = first 200 from infer`,
    peak_rss: 'VmHWM of the server process (all threads) after the HTTP load, and after each cold start',
  },
  defaults: {
    intra_op_threads: DEFAULT_INTRA_OP_THREADS,
    inter_op_threads: DEFAULT_INTER_OP_THREADS,
    ort_thread_spinning: DEFAULT_ORT_THREAD_SPINNING,
    model_concurrency: settingsFromEnvironment({}).modelConcurrency,
  },
  in_process: inProcess,
  http,
  cold_start: cold,
  peak_rss_mb: peakRss,
  ratios,
  targets,
  thread_choice: threadChoice,
  grpc,
  session_run: sessionRun,
  preprocessing,
  batching,
  issue_17: issue17,
};
await mkdir(path.dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  JSON.stringify(
    {
      in_process: {
        p50_ms: inProcess.latency.p50_ms,
        p99_ms: inProcess.latency.p99_ms,
        max_rps: inProcess.best_throughput_rps,
      },
      http_binary: {
        p50_ms: http.binary.latency.p50_ms,
        p99_ms: http.binary.latency.p99_ms,
        best_rps: http.binary.best_throughput_rps,
      },
      http_json: {
        p50_ms: http.json.latency.p50_ms,
        p99_ms: http.json.latency.p99_ms,
        best_rps: http.json.best_throughput_rps,
      },
      cold_start: {
        ready_ms: cold.spawn_to_ready_median_ms,
        first_detection_ms: cold.spawn_to_first_detection_median_ms,
      },
      peak_rss_mb: peakRss,
      ratios,
      targets,
      thread_choice: threadChoice,
      grpc: {
        rest_binary: {
          p50_ms: grpc.rest_binary.latency.p50_ms,
          best_rps: grpc.rest_binary.best_throughput_rps,
        },
        grpc: { p50_ms: grpc.grpc.latency.p50_ms, best_rps: grpc.grpc.best_throughput_rps },
        ratios: grpc.ratios,
        target_grpc_p50_at_most_rest_binary_p50: grpc.target_grpc_p50_at_most_rest_binary_p50,
      },
      batching: {
        on: batching.batching_on.throughput,
        off: batching.batching_off.throughput,
        on_p50_ms: batching.batching_on.latency.p50_ms,
        off_p50_ms: batching.batching_off.latency.p50_ms,
        best_throughput_on_over_off: batching.best_throughput_on_over_off,
      },
      session_run: sessionRun,
      preprocessing_p50_ms: preprocessing.p50_ms,
      issue_17: issue17,
    },
    null,
    2,
  ),
);
console.log(`wrote ${path.relative(REPOSITORY_ROOT, RESULTS)}`);
