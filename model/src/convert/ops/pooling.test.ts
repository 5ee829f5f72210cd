import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

const cases = [
  { op: 'MaxPool', input: [1, 8, 8, 3], ksize: 3, stride: 1, padding: 'SAME' },
  { op: 'MaxPool', input: [1, 9, 7, 2], ksize: 2, stride: 2, padding: 'SAME' },
  { op: 'MaxPool', input: [1, 9, 9, 2], ksize: 3, stride: 2, padding: 'VALID' },
  { op: 'AvgPool', input: [1, 7, 7, 3], ksize: 3, stride: 1, padding: 'SAME' },
  { op: 'AvgPool', input: [1, 9, 8, 2], ksize: 2, stride: 2, padding: 'SAME' },
  { op: 'AvgPool', input: [2, 6, 6, 1], ksize: 2, stride: 2, padding: 'VALID' },
] as const;

describe('pooling mappers', () => {
  it.each(cases)('Should match TensorFlow.js: $op k$ksize s$stride $padding on $input', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', [...c.input]);
    graph.node(c.op, 'pool', ['x'], {
      ksize: attr.ints([1, c.ksize, c.ksize, 1]),
      strides: attr.ints([1, c.stride, c.stride, 1]),
      padding: attr.s(c.padding),
      data_format: attr.s('NHWC'),
    });
    const size = c.input.reduce((a: number, b: number) => a * b, 1);
    await expectParity(graph, { outputs: ['pool'], feeds: { x: randomValues(size, 5, -3, 3) } });
  });
});
