/**
 * The issue-17 sections of `pnpm bench:model-server`: the model's `session.run` alone (batch 1 and its
 * max_batch_size), preprocessing alone (decode + resize + float conversion of 640×480 JPEGs, with the options
 * measured against it: `preprocessing-options.ts`), and the
 * production bundle with dynamic batching on and off (DYNAMIC_BATCHING=false) at concurrency 1–16, both
 * servers up at once and called interleaved in rounds by the main benchmark's `compare`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_CONFIG_FILE, modelConfigSchema } from '@detection/model/config';
import { shippedPhotos } from '@detection/test-data';
import * as ort from 'onnxruntime-node';
import { imageToTensor } from '../src/image/image-to-tensor.js';
import { sessionOptions, THREAD_SPINNING, type ThreadSpinning } from '../src/runtime/session-options.js';
import { IMAGE_GLIBC_ENVIRONMENT } from './image-environment.js';
import { preprocessingOptionsSection } from './preprocessing-options.js';

type Call = (index: number) => Promise<void>;

interface Compared {
  latency: { p50_ms: number; p90_ms: number; p99_ms: number; mean_ms: number; requests: number };
  throughput: Array<{ concurrency: number; throughput_rps: number }>;
  best_throughput_rps: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.5 * sorted.length) - 1)]!;
}

async function modelConfig(modelRepository: string, model: string) {
  return modelConfigSchema.parse(
    JSON.parse(await readFile(path.join(modelRepository, model, MODEL_CONFIG_FILE), 'utf8')),
  );
}

/** The shipped photos that are exactly 640×480 (the reference size). */
async function photos640x480(): Promise<Uint8Array[]> {
  const files = shippedPhotos.filter((photo) => photo.width === 640 && photo.height === 480);
  return Promise.all(files.map(async (photo) => new Uint8Array(await readFile(photo.file))));
}

/**
 * `session.run` in this process on the model's real preprocessed inputs: p50 at batch 1 and at max_batch_size,
 * for each way idle intra-op threads may wait (session-options.ts). Each way runs in blocks of consecutive runs
 * after a pause, the blocks alternating: threads that go on spinning after a run would otherwise slow down the
 * next way measured. The model bound of issue 17 is taken from the fastest batch-1 figure, the stricter bound.
 */
export async function sessionRunSection(options: {
  modelRepository: string;
  model: string;
  intraOpThreads: number;
  defaultSpinning: ThreadSpinning;
  runs: number;
}) {
  const config = await modelConfig(options.modelRepository, options.model);
  const preprocessing = config.preprocessing!;
  const inputs = await Promise.all(
    (await photos640x480()).map((photo) => imageToTensor(photo, preprocessing, { maxPixels: 40_000_000 })),
  );
  const sessions = Object.fromEntries(
    await Promise.all(
      THREAD_SPINNING.map(
        async (threadSpinning) =>
          [
            threadSpinning,
            await ort.InferenceSession.create(
              path.join(options.modelRepository, options.model, '1', 'model.onnx'),
              sessionOptions({ intraOpThreads: options.intraOpThreads, interOpThreads: 1, threadSpinning }),
            ),
          ] as const,
      ),
    ),
  ) as Record<ThreadSpinning, ort.InferenceSession>;
  const inputName = sessions.never.inputNames[0]!;
  const itemDims = inputs[0]!.dims.slice(1);
  const itemLength = inputs[0]!.data.length;
  const maxBatch = config.max_batch_size ?? 0;
  const sizes = maxBatch > 1 ? [1, maxBatch] : [1];
  const samples = new Map<string, number[]>();
  const key = (spinning: string, batch: number) => `${spinning}/${batch}`;
  const BLOCKS = 4;
  try {
    for (let block = 0; block < BLOCKS; block++) {
      for (const [spinning, session] of Object.entries(sessions)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        for (const batch of sizes) {
          for (let i = -1; i < Math.ceil(options.runs / BLOCKS); i++) {
            const data = new Float32Array(itemLength * batch);
            for (let b = 0; b < batch; b++)
              data.set(inputs[(i + 1 + b) % inputs.length]!.data, b * itemLength);
            const started = performance.now();
            await session.run({ [inputName]: new ort.Tensor('float32', data, [batch, ...itemDims]) });
            const elapsed = performance.now() - started;
            if (i < 0) continue;
            const runs = samples.get(key(spinning, batch)) ?? [];
            runs.push(elapsed);
            samples.set(key(spinning, batch), runs);
          }
        }
      }
    }
    const batch1 = Object.fromEntries(
      THREAD_SPINNING.map((spinning) => [spinning, p50(samples.get(key(spinning, 1))!)]),
    ) as Record<ThreadSpinning, number>;
    const batched = maxBatch > 1 ? p50(samples.get(key(options.defaultSpinning, maxBatch))!) : null;
    return {
      intra_op_threads: options.intraOpThreads,
      batch_1_p50_ms: round(Math.min(...Object.values(batch1))),
      batch_1_default_p50_ms: round(batch1[options.defaultSpinning]),
      batch_1_p50_ms_by_thread_spinning: Object.fromEntries(
        Object.entries(batch1).map(([spinning, value]) => [spinning, round(value)]),
      ),
      ...(batched !== null && {
        max_batch_size: maxBatch,
        batch_max_p50_ms: round(batched),
        batch_max_p50_per_image_ms: round(batched / maxBatch),
      }),
      method: `${options.runs} runs per batch size and way of spinning, in ${BLOCKS} blocks per way after a 200 ms pause and a warm-up run, the ways alternating block by block, ${inputs.length} preprocessed 640×480 shipped photos round robin, nothing else running in the process; batch_1_p50_ms is the fastest way (the stricter model bound), batch_1_default_p50_ms the server's default (${options.defaultSpinning}), batch_max with the default`,
    };
  } finally {
    await Promise.all(Object.values(sessions).map((session) => session.release()));
  }
}

/** Preprocessing per 640×480 JPEG and the options measured against it (`preprocessing-options.ts`). */
export async function preprocessingSection(options: {
  modelRepository: string;
  model: string;
  runs: number;
}) {
  const config = await modelConfig(options.modelRepository, options.model);
  return preprocessingOptionsSection({
    preprocessing: config.preprocessing!,
    photos: await photos640x480(),
    runs: options.runs,
  });
}

function spawnBundle(bundle: string, modelRepository: string, port: number, batching: boolean): ChildProcess {
  return spawn(process.execPath, [bundle], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      GRPC_PORT: 'off',
      HOST: '127.0.0.1',
      MODEL_REPOSITORY: modelRepository,
      LOG_LEVEL: 'warn',
      DYNAMIC_BATCHING: String(batching),
      ...IMAGE_GLIBC_ENVIRONMENT,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/v2/health/ready`).catch(() => null);
    await response?.arrayBuffer();
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** REST binary against two bundles, DYNAMIC_BATCHING on and off, at each concurrency. */
export async function batchingSection(options: {
  bundle: string;
  modelRepository: string;
  ports: { on: number; off: number };
  compare: (
    ways: Record<string, Call>,
    rounds: number,
    concurrency: readonly number[],
  ) => Promise<Record<string, Compared>>;
  restBinaryCall: (url: string) => Call;
  /** The in-process pipeline, called in the same rounds: issue 17 compares its p50 with the servers'. */
  inProcessCall: Call;
  concurrency: readonly number[];
  rounds: number;
}) {
  const on = spawnBundle(options.bundle, options.modelRepository, options.ports.on, true);
  const off = spawnBundle(options.bundle, options.modelRepository, options.ports.off, false);
  const urls = { on: `http://127.0.0.1:${options.ports.on}`, off: `http://127.0.0.1:${options.ports.off}` };
  try {
    await Promise.all([untilReady(urls.on), untilReady(urls.off)]);
    const compared = await options.compare(
      {
        batching_on: options.restBinaryCall(urls.on),
        batching_off: options.restBinaryCall(urls.off),
        in_process: options.inProcessCall,
      },
      options.rounds,
      options.concurrency,
    );
    const batchingOn = compared.batching_on!;
    const batchingOff = compared.batching_off!;
    return {
      batching_on: batchingOn,
      batching_off: batchingOff,
      in_process: compared.in_process!,
      best_throughput_on_over_off: round(batchingOn.best_throughput_rps / batchingOff.best_throughput_rps, 3),
      method:
        'two bundle processes up at once (DYNAMIC_BATCHING=true / false), REST binary over keep-alive node:http, and the in-process pipeline (batching as configured), interleaved in rounds',
    };
  } finally {
    for (const child of [on, off]) {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  }
}
