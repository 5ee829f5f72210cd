import { describe, expect, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

const paddings = [0, 0, 1, 2, 2, 1, 0, 1];

function padGraph(op: string, mode?: string) {
  const graph = new TinyGraph();
  graph.input('x', [1, 4, 5, 2]);
  graph.constant('paddings', paddings, [4, 2], 'int32');
  const inputs = ['x', 'paddings'];
  if (op === 'PadV2') inputs.push(graph.constant('value', [-7.5], []));
  graph.node(op, 'y', inputs, mode ? { mode: attr.s(mode) } : {});
  return graph;
}

describe('pad mappers', () => {
  it.each([
    { op: 'Pad', mode: undefined },
    { op: 'PadV2', mode: undefined },
    { op: 'MirrorPad', mode: 'REFLECT' },
  ])('Should match TensorFlow.js: $op $mode', async ({ op, mode }) => {
    await expectParity(padGraph(op, mode), { outputs: ['y'], feeds: { x: randomValues(40, 70) } });
  });

  it('Should refuse MirrorPad SYMMETRIC, which ONNX cannot express', () => {
    expect(() =>
      convertGraphModel(padGraph('MirrorPad', 'SYMMETRIC').toGraphModel(), { outputs: ['y'] }),
    ).toThrow(/node "y" \(MirrorPad\): MirrorPad mode SYMMETRIC has no ONNX equivalent/);
  });
});
