import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

/** [1, 4, 4, 2] in; a batch-1 reshape, a top-k, and TensorFlow's batch_gather frozen at batch 1 (as in CenterNet). */
function frozenAtBatchOne(): TinyGraph {
  const graph = new TinyGraph();
  graph.input('x', [1, 4, 4, 2]);
  graph.constant('flat_shape', [1, -1], [2], 'int32');
  graph.node('Reshape', 'flat', ['x', 'flat_shape']);
  graph.constant('k', [3], [], 'int32');
  graph.node('TopKV2', 'top', ['flat', 'k'], { sorted: attr.b(true) });
  graph.constant('two', [2], [], 'int32');
  graph.node('FloorDiv', 'cell', ['top:1', 'two']);
  graph.constant('rows_shape', [16, 2], [2], 'int32');
  graph.node('Reshape', 'rows', ['x', 'rows_shape']);
  graph.constant('index_shape', [-1], [1], 'int32');
  graph.node('Reshape', 'index', ['cell', 'index_shape']);
  graph.constant('axis', [0], [], 'int32');
  graph.node('GatherV2', 'gathered', ['rows', 'index', 'axis'], { batch_dims: attr.i(0) });
  graph.constant('out_shape', [1, 3, 2], [3], 'int32');
  graph.node('Reshape', 'picked', ['gathered', 'out_shape']);
  return graph;
}

async function run(bytes: Uint8Array, input: Float32Array, batch: number) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run({ x: new ort.Tensor('float32', input, [batch, 4, 4, 2]) });
  } finally {
    await session.release();
  }
}

describe('dynamic batch dimension', () => {
  it('Should make the leading dimension dynamic and answer each item of a batch exactly as alone', async () => {
    const graph = frozenAtBatchOne();
    const batched = convertGraphModel(graph.toGraphModel(), {
      outputs: ['top', 'picked'],
      dynamicBatch: true,
    });
    expect(batched.inputs[0]!.shape).toEqual([null, 4, 4, 2]);
    expect(batched.outputs.map((output) => output.shape)).toEqual([
      [null, 3],
      [null, 3, 2],
    ]);
    const items = [0, 1, 2].map((seed) => randomValues(32, seed));
    const together = await run(batched.bytes, Float32Array.from(items.flatMap((item) => [...item])), 3);
    const fixed = convertGraphModel(graph.toGraphModel(), { outputs: ['top', 'picked'] });
    for (const [i, item] of items.entries()) {
      const alone = await run(fixed.bytes, item, 1);
      for (const [name, size] of [
        ['top', 3],
        ['picked', 6],
      ] as const) {
        const slice = (together[name]!.data as Float32Array).slice(i * size, (i + 1) * size);
        expect(slice).toEqual(alone[name]!.data);
      }
    }
  });

  it('Should refuse a graph input whose leading dimension is not 1', () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3]);
    graph.node('Relu', 'y', ['x']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'], dynamicBatch: true })).toThrow(
      /a dynamic batch needs a leading dimension of 1, not 2/,
    );
  });

  it('Should refuse a reshape that mixes items of the batch', () => {
    const graph = new TinyGraph();
    graph.input('x', [1, 4, 4, 2]);
    graph.constant('rows_shape', [16, 2], [2], 'int32');
    graph.node('Reshape', 'rows', ['x', 'rows_shape']);
    graph.constant('back_shape', [2, 16], [2], 'int32');
    graph.node('Reshape', 'mixed', ['rows', 'back_shape']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['mixed'], dynamicBatch: true })).toThrow(
      /cannot keep the batch apart/,
    );
  });
});
