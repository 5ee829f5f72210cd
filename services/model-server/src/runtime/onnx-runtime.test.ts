import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONNX_TYPES, onnxModel } from '../../test/support/onnx-graph.js';
import { addBiasGraph, tempRepository } from '../../test/support/temp-repository.js';
import { RuntimeUnavailableError } from './model-runtime.js';
import { OnnxWorkerRuntime } from './onnx-runtime.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, threadSpinning: 'never' as const };
let root: string;

beforeAll(async () => {
  root = (await tempRepository()).root;
});

async function modelFile(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = path.join(root, `${name}.onnx`);
  await writeFile(file, bytes);
  return file;
}

describe('OnnxWorkerRuntime', () => {
  let runtime: OnnxWorkerRuntime;
  beforeAll(async () => {
    runtime = await OnnxWorkerRuntime.start(
      await modelFile('add', onnxModel(addBiasGraph([1, 2, 3]))),
      OPTIONS,
    );
  });
  afterAll(() => runtime.release());

  it("Should report the graph's inputs and outputs as OIP tensor specs (-1 for dynamic dimensions)", () => {
    expect(runtime.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3] }]);
    expect(runtime.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [-1, 3] }]);
    expect(runtime.loadMs).toBeGreaterThan(0);
  });

  it('Should run in its worker and return outputs, compute time and queue time', async () => {
    const run = await runtime.run(
      { x: { datatype: 'FP32', dims: [2, 3], data: Float32Array.from([0, 0, 0, 1, 1, 1]) } },
      ['y'],
    );
    expect(run.outputs.get('y')).toEqual({
      datatype: 'FP32',
      dims: [2, 3],
      data: Float32Array.from([1, 2, 3, 2, 3, 4]),
    });
    expect(run.computeMs).toBeGreaterThan(0);
    expect(run.queueMs).toBeGreaterThanOrEqual(0);
  });

  it("Should take back the buffers of a run's feeds and hand them out again for later feeds", async () => {
    const data = new Float32Array(runtime.feedBuffer(3 * 4), 0, 3);
    data.set([5, 6, 7]);
    const run = await runtime.run({ x: { datatype: 'FP32', dims: [1, 3], data } }, ['y']);
    expect(run.outputs.get('y')!.data).toEqual(Float32Array.from([6, 8, 10]));
    // Transferred to the worker, so detached here; back in the pool with its old contents.
    expect(data.buffer.byteLength).toBe(0);
    expect(new Float32Array(runtime.feedBuffer(3 * 4))).toEqual(Float32Array.from([5, 6, 7]));
    const failed = new Float32Array(runtime.feedBuffer(2 * 4), 0, 2);
    failed.set([1, 2]);
    await expect(
      runtime.run({ x: { datatype: 'FP32', dims: [1, 2], data: failed } }, ['y']),
    ).rejects.toThrow();
    expect(new Float32Array(runtime.feedBuffer(2 * 4))).toEqual(Float32Array.from([1, 2]));
  });

  it("Should keep a run's outputs its own when the graph passes its input through and the buffer is reused", async () => {
    const identity = await OnnxWorkerRuntime.start(
      await modelFile(
        'identity',
        onnxModel({
          inputs: [{ name: 'x', type: ONNX_TYPES.FLOAT, shape: ['n', 3] }],
          outputs: [{ name: 'y', type: ONNX_TYPES.FLOAT, shape: ['n', 3] }],
          initializers: [],
          nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
        }),
      ),
      OPTIONS,
    );
    try {
      const data = new Float32Array(identity.feedBuffer(3 * 4), 0, 3);
      data.set([1, 2, 3]);
      const run = await identity.run({ x: { datatype: 'FP32', dims: [1, 3], data } }, ['y']);
      const reused = new Float32Array(identity.feedBuffer(3 * 4));
      expect(Array.from(reused)).toEqual([1, 2, 3]);
      reused.fill(9);
      expect(run.outputs.get('y')!.data).toEqual(Float32Array.from([1, 2, 3]));
    } finally {
      await identity.release();
    }
  });

  it('Should run queued requests one at a time, in order, measuring the wait', async () => {
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runtime.run({ x: { datatype: 'FP32', dims: [1, 3], data: Float32Array.from([i, i, i]) } }, ['y']),
      ),
    );
    expect(runs.map((run) => (run.outputs.get('y')!.data as Float32Array)[0])).toEqual([1, 2, 3, 4]);
    expect(runs[3]!.queueMs).toBeGreaterThan(0);
  });

  it('Should reject a run onnxruntime refuses, and keep serving', async () => {
    await expect(
      runtime.run({ x: { datatype: 'FP32', dims: [1, 4], data: new Float32Array(4) } }, ['y']),
    ).rejects.toThrow(/dimension|Got invalid/i);
    const run = await runtime.run({ x: { datatype: 'FP32', dims: [1, 3], data: new Float32Array(3) } }, [
      'y',
    ]);
    expect(run.outputs.get('y')!.dims).toEqual([1, 3]);
  });
});

describe('OnnxWorkerRuntime datatypes', () => {
  it('Should carry INT64, BOOL and string (BYTES) tensors through the worker', async () => {
    const graph = onnxModel({
      inputs: [
        { name: 'i', type: ONNX_TYPES.INT64, shape: [2] },
        { name: 'b', type: ONNX_TYPES.BOOL, shape: [2] },
        { name: 's', type: ONNX_TYPES.STRING, shape: [1] },
      ],
      outputs: [
        { name: 'i2', type: ONNX_TYPES.INT64, shape: [2] },
        { name: 'not_b', type: ONNX_TYPES.BOOL, shape: [2] },
        { name: 's2', type: ONNX_TYPES.STRING, shape: [1] },
      ],
      nodes: [
        { op: 'Add', inputs: ['i', 'i'], outputs: ['i2'] },
        { op: 'Not', inputs: ['b'], outputs: ['not_b'] },
        { op: 'Identity', inputs: ['s'], outputs: ['s2'] },
      ],
    });
    const runtime = await OnnxWorkerRuntime.start(await modelFile('types', graph), OPTIONS);
    try {
      expect(runtime.inputs.map((spec) => spec.datatype)).toEqual(['INT64', 'BOOL', 'BYTES']);
      const run = await runtime.run(
        {
          i: { datatype: 'INT64', dims: [2], data: BigInt64Array.from([2n ** 40n, -1n]) },
          b: { datatype: 'BOOL', dims: [2], data: Uint8Array.from([1, 0]) },
          s: { datatype: 'BYTES', dims: [1], data: [new TextEncoder().encode('héllo')] },
        },
        ['i2', 'not_b', 's2'],
      );
      expect(run.outputs.get('i2')!.data).toEqual(BigInt64Array.from([2n ** 41n, -2n]));
      expect(Array.from(run.outputs.get('not_b')!.data as Uint8Array)).toEqual([0, 1]);
      expect(Buffer.from((run.outputs.get('s2')!.data as Uint8Array[])[0]!).toString()).toBe('héllo');
    } finally {
      await runtime.release();
    }
  });
});

describe('OnnxWorkerRuntime lifecycle', () => {
  it('Should fail to start on a file that is not an ONNX model, and leave no worker behind', async () => {
    await expect(OnnxWorkerRuntime.start(await modelFile('garbage', 'not a model'), OPTIONS)).rejects.toThrow(
      /onnxruntime cannot load .*garbage.onnx/,
    );
  });

  it('Should finish the running request, reject queued ones and refuse new ones once released', async () => {
    const runtime = await OnnxWorkerRuntime.start(
      await modelFile('release', onnxModel(addBiasGraph())),
      OPTIONS,
    );
    const feeds = () => ({ x: { datatype: 'FP32' as const, dims: [1, 3], data: new Float32Array(3) } });
    const running = runtime.run(feeds(), ['y']);
    const queued = expect(runtime.run(feeds(), ['y'])).rejects.toThrow(RuntimeUnavailableError);
    const released = runtime.release();
    await expect(running).resolves.toBeDefined();
    await queued;
    await released;
    await expect(runtime.run(feeds(), ['y'])).rejects.toThrow(/unloaded/);
  });
});
