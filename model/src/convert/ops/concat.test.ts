import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

describe('concat mappers', () => {
  it.each([0, 1, -1])('Should match TensorFlow.js: ConcatV2 of three tensors on axis %i', async (axis) => {
    const graph = new TinyGraph();
    const normalised = axis < 0 ? 3 + axis : axis;
    // Each input differs in size along the concatenation axis only.
    const shapes = [1, 2, 3].map((size) =>
      [2, 3, 4].map((dim, index) => (index === normalised ? size : dim)),
    );
    for (const [i, shape] of shapes.entries()) graph.input(`x${i}`, shape);
    graph.constant('axis', [axis], [], 'int32');
    graph.node('ConcatV2', 'y', ['x0', 'x1', 'x2', 'axis'], { N: attr.i(3) });
    const feeds = Object.fromEntries(
      shapes.map((shape, i) => [
        `x${i}`,
        randomValues(
          shape.reduce((a, b) => a * b, 1),
          60 + i,
        ),
      ]),
    );
    await expectParity(graph, { outputs: ['y'], feeds });
  });

  it.each([0, 1, 2])('Should match TensorFlow.js: Pack of two tensors on axis %i', async (axis) => {
    const graph = new TinyGraph();
    graph.input('a', [2, 3]);
    graph.input('b', [2, 3]);
    graph.node('Pack', 'y', ['a', 'b'], { axis: attr.i(axis), N: attr.i(2) });
    await expectParity(graph, { outputs: ['y'], feeds: { a: randomValues(6, 63), b: randomValues(6, 64) } });
  });
});
