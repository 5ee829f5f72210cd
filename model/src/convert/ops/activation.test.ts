import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

const shape = [1, 4, 4, 6];
const size = shape.reduce((a, b) => a * b, 1);

describe('activation mappers', () => {
  it.each(['Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh', 'Softmax'])(
    'Should match TensorFlow.js: %s',
    async (op) => {
      const graph = new TinyGraph();
      graph.input('x', shape);
      graph.node(op, 'y', ['x']);
      await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(size, 7, -8, 8) } });
    },
  );

  it('Should match TensorFlow.js: LeakyRelu with its alpha', async () => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    graph.node('LeakyRelu', 'y', ['x'], { alpha: attr.f(0.3) });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(size, 8, -4, 4) } });
  });

  it('Should match TensorFlow.js: Prelu with a per-channel slope', async () => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    graph.constant('alpha', randomValues(6, 9, 0, 0.5), [6]);
    graph.node('Prelu', 'y', ['x', 'alpha']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(size, 10, -4, 4) } });
  });
});
