import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

describe('top-k mapper', () => {
  it('Should match TensorFlow.js: TopKV2 values and int32 indices over the last axis', async () => {
    const graph = new TinyGraph();
    graph.input('x', [3, 50]);
    graph.constant('k', [7], [], 'int32');
    graph.node('TopKV2', 'top', ['x', 'k'], { sorted: attr.b(true) });
    await expectParity(graph, { outputs: ['top', 'top:1'], feeds: { x: randomValues(150, 90) } });
  });

  it('Should break ties towards the lower index, as TensorFlow does', async () => {
    const graph = new TinyGraph();
    graph.input('x', [10]);
    graph.constant('k', [6], [], 'int32');
    graph.node('TopKV2', 'top', ['x', 'k'], { sorted: attr.b(true) });
    await expectParity(graph, { outputs: ['top', 'top:1'], feeds: { x: [1, 5, 3, 5, 5, 0, 3, 3, 9, 1] } });
  });

  it('Should feed its int32 indices into integer arithmetic without type errors (as CenterNet does)', async () => {
    const graph = new TinyGraph();
    graph.input('x', [1, 60]);
    graph.constant('k', [5], [], 'int32');
    graph.constant('w', [7], [], 'int32');
    graph.node('TopKV2', 'top', ['x', 'k'], { sorted: attr.b(true) });
    graph.node('FloorDiv', 'row', ['top:1', 'w']);
    graph.node('FloorMod', 'col', ['top:1', 'w']);
    await expectParity(graph, { outputs: ['row', 'col'], feeds: { x: randomValues(60, 91) } });
  });
});
