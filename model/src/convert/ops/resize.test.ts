import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

const flags = [
  { title: 'asymmetric', align_corners: false, half_pixel_centers: false },
  { title: 'align_corners', align_corners: true, half_pixel_centers: false },
  { title: 'half_pixel_centers', align_corners: false, half_pixel_centers: true },
];

const sizes = [
  { from: [1, 5, 7, 3], to: [10, 14] },
  { from: [1, 8, 8, 2], to: [5, 3] },
  { from: [2, 4, 6, 1], to: [9, 13] },
];

const cases = ['ResizeBilinear', 'ResizeNearestNeighbor'].flatMap((op) =>
  flags.flatMap((flag) => sizes.map((size) => ({ op, ...flag, ...size }))),
);

describe('resize mappers', () => {
  it.each(cases)('Should match TensorFlow.js: $op $title $from -> $to', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', c.from);
    graph.constant('size', c.to, [2], 'int32');
    graph.node(c.op, 'y', ['x', 'size'], {
      align_corners: attr.b(c.align_corners),
      half_pixel_centers: attr.b(c.half_pixel_centers),
    });
    const count = c.from.reduce((a, b) => a * b, 1);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(count, 32, 0, 255) } });
  });
});
