import { describe, expect, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, type TfDtype, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

function binaryGraph(op: string, a: number[], b: number[], dtype: TfDtype = 'float32', attrs = {}) {
  const graph = new TinyGraph();
  graph.input('a', a, dtype);
  graph.input('b', b, dtype);
  graph.node(op, 'y', ['a', 'b'], { T: attr.type(dtype), ...attrs });
  return graph;
}

const ints = (n: number, seed: number, low: number, high: number) =>
  Array.from(randomValues(n, seed, low, high), (v) => Math.round(v));
const nonZeroInts = (n: number, seed: number) => ints(n, seed, -7, 7).map((v) => (v === 0 ? 3 : v));

describe('elementwise mappers', () => {
  it.each(['Add', 'AddV2', 'Sub', 'Mul', 'RealDiv', 'Div', 'Maximum', 'Minimum', 'SquaredDifference'])(
    'Should match TensorFlow.js: float %s with broadcasting',
    async (op) => {
      const graph = binaryGraph(op, [2, 3, 4], [4]);
      const b = Array.from(randomValues(4, 12, 0.5, 2));
      await expectParity(graph, { outputs: ['y'], feeds: { a: randomValues(24, 11, -3, 3), b } });
    },
  );

  it('Should match TensorFlow.js: Pow on positive bases', async () => {
    const graph = binaryGraph('Pow', [2, 5], [2, 5]);
    await expectParity(graph, {
      outputs: ['y'],
      feeds: { a: randomValues(10, 13, 0.1, 3), b: randomValues(10, 14, -2, 2) },
    });
  });

  it.each(['Add', 'Sub', 'Mul', 'Maximum', 'Minimum'])('Should match TensorFlow.js: int32 %s', async (op) => {
    const graph = binaryGraph(op, [3, 4], [3, 4], 'int32');
    await expectParity(graph, {
      outputs: ['y'],
      feeds: { a: ints(12, 15, -50, 50), b: ints(12, 16, -50, 50) },
    });
  });

  it.each(['FloorDiv', 'FloorMod'])(
    'Should round towards -inf like TensorFlow for int32 %s with mixed signs',
    async (op) => {
      const graph = binaryGraph(op, [40], [40], 'int32');
      await expectParity(graph, {
        outputs: ['y'],
        feeds: { a: ints(40, 17, -100, 100), b: nonZeroInts(40, 18) },
      });
    },
  );

  it.each(['FloorDiv', 'FloorMod'])('Should match TensorFlow.js: float %s with mixed signs', async (op) => {
    const graph = binaryGraph(op, [40], [40]);
    const b = Array.from(randomValues(40, 20, 0.5, 3), (v, i) => (i % 2 ? -v : v));
    await expectParity(graph, { outputs: ['y'], feeds: { a: randomValues(40, 19, -10, 10), b } });
  });

  it.each(['Neg', 'Abs', 'Exp', 'Sqrt', 'Rsqrt', 'Reciprocal', 'Square', 'Floor', 'Ceil', 'Log'])(
    'Should match TensorFlow.js: unary %s',
    async (op) => {
      const graph = new TinyGraph();
      graph.input('x', [3, 7]);
      graph.node(op, 'y', ['x']);
      const positiveOnly = ['Sqrt', 'Rsqrt', 'Log'].includes(op);
      await expectParity(graph, {
        outputs: ['y'],
        feeds: { x: randomValues(21, 21, positiveOnly ? 0.1 : -4, 4) },
      });
    },
  );

  it('Should round halves to even like TensorFlow: Round', async () => {
    const graph = new TinyGraph();
    graph.input('x', [8]);
    graph.node('Round', 'y', ['x']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: [0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6, 3.5] } });
  });

  it.each(['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'])(
    'Should match TensorFlow.js: comparison %s',
    async (op) => {
      const graph = binaryGraph(op, [12], [12]);
      const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
      const b = [1, 3, 2, 4, 6, 5, 7, 9, 8, 10, 12, 11];
      await expectParity(graph, { outputs: ['y'], feeds: { a, b } });
    },
  );

  it.each(['LogicalAnd', 'LogicalOr'])('Should match TensorFlow.js: %s', async (op) => {
    const graph = binaryGraph(op, [4], [4], 'bool');
    await expectParity(graph, { outputs: ['y'], feeds: { a: [0, 0, 1, 1], b: [0, 1, 0, 1] } });
  });

  it('Should match TensorFlow.js: LogicalNot', async () => {
    const graph = new TinyGraph();
    graph.input('x', [4], 'bool');
    graph.node('LogicalNot', 'y', ['x']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: [0, 1, 1, 0] } });
  });

  it.each(['Select', 'SelectV2'])('Should match TensorFlow.js: %s', async (op) => {
    const graph = new TinyGraph();
    graph.input('c', [2, 3], 'bool');
    graph.input('a', [2, 3]);
    graph.input('b', [2, 3]);
    graph.node(op, 'y', ['c', 'a', 'b']);
    await expectParity(graph, {
      outputs: ['y'],
      feeds: { c: [1, 0, 1, 0, 0, 1], a: randomValues(6, 22), b: randomValues(6, 23) },
    });
  });

  it('Should match TensorFlow.js: BiasAdd on NHWC', async () => {
    const graph = new TinyGraph();
    graph.input('x', [1, 3, 3, 4]);
    graph.constant('bias', randomValues(4, 24), [4]);
    graph.node('BiasAdd', 'y', ['x', 'bias'], { data_format: attr.s('NHWC') });
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(36, 25) } });
  });

  it('Should refuse integer Div, whose TensorFlow rounding it cannot vouch for', () => {
    const graph = binaryGraph('Div', [3], [3], 'int32');
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /node "y" \(Div\): is converted for floating-point inputs only/,
    );
  });

  it('Should refuse operands of different types, which ONNX would not promote', () => {
    const graph = new TinyGraph();
    graph.input('a', [3], 'float32');
    graph.input('b', [3], 'int32');
    graph.node('Add', 'y', ['a', 'b']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /node "y" \(Add\): operands have different types/,
    );
  });

  it('Should refuse shapes that do not broadcast', () => {
    const graph = binaryGraph('Add', [3, 4], [3]);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['y'] })).toThrow(
      /node "y" \(Add\): shapes \[3, 4\] and \[3\] do not broadcast/,
    );
  });
});
