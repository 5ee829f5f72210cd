import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxModel } from '../../test/support/onnx-graph.js';
import { addBiasGraph, tempRepository } from '../../test/support/temp-repository.js';
import { BatchingRuntime } from './batching-runtime.js';
import { type RuntimeTensor, RuntimeUnavailableError } from './model-runtime.js';
import { OnnxWorkerRuntime } from './onnx-runtime.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, threadSpinning: 'never' as const };
let modelFile: string;

beforeAll(async () => {
  modelFile = path.join((await tempRepository()).root, 'add.onnx');
  await writeFile(modelFile, onnxModel(addBiasGraph([1, 2, 3])));
});

const rows = (...values: number[][]): Record<string, RuntimeTensor> => ({
  x: { datatype: 'FP32', dims: [values.length, 3], data: Float32Array.from(values.flat()) },
});

describe('BatchingRuntime', () => {
  let runtime: BatchingRuntime;
  beforeAll(async () => {
    runtime = new BatchingRuntime(await OnnxWorkerRuntime.start(modelFile, OPTIONS), {
      maxBatchSize: 4,
      maxQueueDelayMs: 50,
      preferredBatchSizes: [4],
    });
  });
  afterAll(() => runtime.release());

  it('Should run concurrent runs as one batch and give each run its own rows', async () => {
    const runs = await Promise.all([0, 1, 2, 3].map((i) => runtime.run(rows([i, i, i]), ['y'])));
    expect(runs.map((run) => run.batchSize)).toEqual([4, 4, 4, 4]);
    runs.forEach((run, i) => {
      expect(run.outputs.get('y')).toEqual({
        datatype: 'FP32',
        dims: [1, 3],
        data: Float32Array.from([i + 1, i + 2, i + 3]),
      });
    });
  });

  it('Should reuse the buffers of one batch and its items for the next, each answer still its own', async () => {
    const item = (value: number) => {
      const data = new Float32Array(runtime.feedBuffer(3 * 4), 0, 3).fill(value);
      return { x: { datatype: 'FP32' as const, dims: [1, 3], data } };
    };
    for (const base of [10, 20, 30]) {
      const runs = await Promise.all([0, 1, 2, 3].map((i) => runtime.run(item(base + i), ['y'])));
      expect(runs.map((run) => run.batchSize)).toEqual([4, 4, 4, 4]);
      expect(runs.map((run) => Array.from(run.outputs.get('y')!.data as Float32Array))).toEqual(
        [0, 1, 2, 3].map((i) => [base + i + 1, base + i + 2, base + i + 3]),
      );
    }
    // The items' buffers were copied into the batch's and came back to the pool with their old values.
    expect(Array.from(new Float32Array(runtime.feedBuffer(3 * 4)))).toEqual([33, 33, 33]);
  });

  it('Should send a batch smaller than preferred once its oldest run waited max_queue_delay_ms', async () => {
    const started = performance.now();
    const runs = await Promise.all([
      runtime.run(rows([5, 5, 5]), ['y']),
      runtime.run(rows([6, 6, 6]), ['y']),
    ]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(runs.map((run) => run.batchSize)).toEqual([2, 2]);
    expect(runs.map((run) => Array.from(run.outputs.get('y')!.data as Float32Array))).toEqual([
      [6, 7, 8],
      [7, 8, 9],
    ]);
  });

  it('Should batch runs that carry several rows, and split more than max_batch_size over several batches', async () => {
    const runs = await Promise.all([
      runtime.run(rows([0, 0, 0], [1, 1, 1], [2, 2, 2]), ['y']),
      runtime.run(rows([3, 3, 3], [4, 4, 4]), ['y']),
      runtime.run(rows([5, 5, 5]), ['y']),
    ]);
    expect(runs.map((run) => run.outputs.get('y')!.dims)).toEqual([
      [3, 3],
      [2, 3],
      [1, 3],
    ]);
    expect(Array.from(runs[1]!.outputs.get('y')!.data as Float32Array)).toEqual([4, 5, 6, 5, 6, 7]);
    expect(runs.every((run) => (run.batchSize ?? 1) <= 4)).toBe(true);
  });

  it('Should run a run larger than max_batch_size alone', async () => {
    const run = await runtime.run(rows([1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1]), ['y']);
    expect(run.outputs.get('y')!.dims).toEqual([5, 3]);
    expect(run.batchSize).toBeUndefined();
  });

  it('Should give a run onnxruntime refuses its own error and the runs batched with it their answers', async () => {
    const good = runtime.run(rows([1, 1, 1]), ['y']);
    const bad = runtime.run(rows([1, 1, 1]), ['nonexistent']);
    await expect(good).resolves.toMatchObject({ outputs: new Map([['y', expect.anything()]]) });
    await expect(bad).rejects.toThrow(/nonexistent/);
  });
});

describe('BatchingRuntime with nothing else on its way', () => {
  it('Should send a lone run at once instead of waiting max_queue_delay_ms for company', async () => {
    const runtime = new BatchingRuntime(
      await OnnxWorkerRuntime.start(modelFile, OPTIONS),
      { maxBatchSize: 4, maxQueueDelayMs: 60_000, preferredBatchSizes: [4] },
      (submitted) => 1 - submitted,
    );
    try {
      const run = await runtime.run(rows([1, 1, 1]), ['y']);
      expect(Array.from(run.outputs.get('y')!.data as Float32Array)).toEqual([2, 3, 4]);
    } finally {
      await runtime.release();
    }
  });
});

describe('BatchingRuntime release', () => {
  it('Should reject waiting runs and refuse new ones once released', async () => {
    const runtime = new BatchingRuntime(await OnnxWorkerRuntime.start(modelFile, OPTIONS), {
      maxBatchSize: 4,
      maxQueueDelayMs: 10_000,
      preferredBatchSizes: [],
    });
    const waiting = expect(runtime.run(rows([1, 1, 1]), ['y'])).rejects.toThrow(RuntimeUnavailableError);
    await runtime.release();
    await waiting;
    await expect(runtime.run(rows([1, 1, 1]), ['y'])).rejects.toThrow(/unloaded/);
  });
});
