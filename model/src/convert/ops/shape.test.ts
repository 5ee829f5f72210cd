import { describe, expect, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

describe('shape mappers', () => {
  it.each([
    { target: [4, -1], from: [2, 3, 4] },
    { target: [-1], from: [2, 3, 4] },
    { target: [1, 6, 4, 1], from: [2, 3, 4] },
  ])('Should match TensorFlow.js: Reshape $from to $target', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', c.from);
    graph.constant('shape', c.target, [c.target.length], 'int32');
    graph.node('Reshape', 'y', ['x', 'shape']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(24, 40) } });
  });

  it.each([0, 2, -1, -3])('Should match TensorFlow.js: ExpandDims at %i', async (axis) => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3]);
    graph.constant('axis', [axis], [], 'int32');
    graph.node('ExpandDims', 'y', ['x', 'axis']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(6, 41) } });
  });

  it.each([[[0, 2]], [[-1]], [[]]])('Should match TensorFlow.js: Squeeze dims %j', async (dims) => {
    const graph = new TinyGraph();
    graph.input('x', [1, 3, 1, 1]);
    graph.node('Squeeze', 'y', ['x'], { squeeze_dims: attr.ints(dims) });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(3, 42) } });
  });

  it.each([
    { from: 'float32', to: 'int32', values: [-2.7, -0.5, 0.4, 1.9, 3, 100.99] },
    { from: 'int32', to: 'float32', values: [-3, 0, 7, 123456, -2, 1] },
    { from: 'bool', to: 'float32', values: [1, 0, 1, 1, 0, 0] },
    { from: 'float32', to: 'bool', values: [0, 0.5, -1, 0, 2, 0] },
  ] as const)('Should match TensorFlow.js: Cast $from to $to', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', [6], c.from);
    graph.node('Cast', 'y', ['x'], {
      SrcT: attr.type(c.from),
      DstT: attr.type(c.to),
      Truncate: attr.b(false),
    });
    await expectParity(graph, { outputs: ['y'], feeds: { x: c.values } });
  });

  it('Should match TensorFlow.js: Identity and Transpose', async () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3, 4]);
    graph.constant('perm', [2, 0, 1], [3], 'int32');
    graph.node('Transpose', 't', ['x', 'perm']);
    graph.node('Identity', 'y', ['t']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(24, 43) } });
  });

  it('Should match TensorFlow.js: Shape as int32', async () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3, 4]);
    graph.node('Shape', 'y', ['x'], { out_type: attr.type('int32') });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(24, 44) } });
  });

  it('Should refuse a reshape that changes the element count', () => {
    const graph = new TinyGraph();
    graph.input('x', [2, 3]);
    graph.constant('shape', [4, 2], [2], 'int32');
    graph.node('Reshape', 'y', ['x', 'shape']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /node "y" \(Reshape\): cannot reshape \[2, 3\] to \[4, 2\]/,
    );
  });
});
