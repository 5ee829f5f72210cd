import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

const shape = [2, 3, 4, 5];
const size = shape.reduce((a, b) => a * b, 1);

describe('reduction mappers', () => {
  const cases = ['Mean', 'Sum', 'Max', 'Min', 'Prod'].flatMap((op) => [
    { op, axes: [1, 2], keepDims: true },
    { op, axes: [-1], keepDims: false },
    { op, axes: [0, 3], keepDims: false },
  ]);
  it.each(cases)('Should match TensorFlow.js: $op over $axes keep_dims=$keepDims', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    graph.constant('axes', c.axes, [c.axes.length], 'int32');
    graph.node(c.op, 'y', ['x', 'axes'], { keep_dims: attr.b(c.keepDims), Tidx: attr.type('int32') });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(size, 30, 0.5, 1.5) } });
  });

  it.each([
    { op: 'ArgMax', axis: -1, outputType: 'int32' },
    { op: 'ArgMax', axis: 1, outputType: 'int64' },
    { op: 'ArgMin', axis: 2, outputType: 'int32' },
  ] as const)('Should match TensorFlow.js: $op over axis $axis ($outputType indices)', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    graph.constant('axis', [c.axis], [], 'int32');
    graph.node(c.op, 'y', ['x', 'axis'], {
      output_type: { type: c.outputType === 'int32' ? 'DT_INT32' : 'DT_INT64' },
    });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(size, 31) } });
  });
});
