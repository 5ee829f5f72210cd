import { describe, expect, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

describe('gather mapper', () => {
  it.each([
    { axis: 0, indices: [3, 0, 2, 2], indexShape: [4] },
    { axis: 1, indices: [1, 0, 2, 1, 0, 0], indexShape: [2, 3] },
    { axis: -1, indices: [4, 0], indexShape: [2] },
  ])('Should match TensorFlow.js: GatherV2 on axis $axis with indices of shape $indexShape', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', [4, 3, 5]);
    graph.input('i', c.indexShape, 'int32');
    graph.constant('axis', [c.axis], [], 'int32');
    graph.node('GatherV2', 'y', ['x', 'i', 'axis'], { batch_dims: attr.i(0) });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(60, 80), i: c.indices } });
  });

  it('Should refuse batch_dims other than 0', () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3]);
    graph.input('i', [2, 1], 'int32');
    graph.constant('axis', [1], [], 'int32');
    graph.node('GatherV2', 'y', ['x', 'i', 'axis'], { batch_dims: attr.i(1) });
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /batch_dims other than 0 is not supported/,
    );
  });
});
