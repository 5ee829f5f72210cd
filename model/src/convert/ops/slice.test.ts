import { describe, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';

interface StridedSliceCase {
  title: string;
  begin: number[];
  end: number[];
  strides: number[];
  masks?: Partial<
    Record<'begin_mask' | 'end_mask' | 'ellipsis_mask' | 'new_axis_mask' | 'shrink_axis_mask', number>
  >;
}

const shape = [2, 5, 6, 3];
const cases: StridedSliceCase[] = [
  { title: 'a window', begin: [0, 1, 2, 0], end: [2, 4, 5, 3], strides: [1, 1, 1, 1] },
  {
    title: 'begin/end masks as CenterNet uses them',
    begin: [0, 0, 1],
    end: [0, 0, 2],
    strides: [1, 1, 1],
    masks: { begin_mask: 3, end_mask: 3 },
  },
  { title: 'stride 2 with a negative begin', begin: [0, -4, 0, 0], end: [2, 5, 6, 3], strides: [1, 2, 2, 1] },
  {
    title: 'negative strides',
    begin: [1, 4, 5, 2],
    end: [0, 0, 0, 0],
    strides: [-1, -2, -1, -1],
    masks: { end_mask: 1 },
  },
  {
    title: 'shrink axes',
    begin: [1, 0, 3, 0],
    end: [2, 5, 4, 3],
    strides: [1, 1, 1, 1],
    masks: { shrink_axis_mask: 5 },
  },
  {
    title: 'shrink the last element with -1',
    begin: [0, 0, 0, -1],
    end: [0, 0, 0, 0],
    strides: [1, 1, 1, 1],
    masks: { begin_mask: 7, end_mask: 7, shrink_axis_mask: 8 },
  },
  {
    title: 'ellipsis then a slice of the last axis',
    begin: [0, 1],
    end: [0, 3],
    strides: [1, 1],
    masks: { ellipsis_mask: 1 },
  },
  {
    title: 'a new axis',
    begin: [0, 0, 1],
    end: [0, 0, 3],
    strides: [1, 1, 1],
    masks: { begin_mask: 1, end_mask: 1, new_axis_mask: 2 },
  },
  {
    title: 'ellipsis, new axis and shrink together',
    begin: [0, 0, 2],
    end: [0, 0, 3],
    strides: [1, 1, 1],
    masks: { ellipsis_mask: 1, new_axis_mask: 2, shrink_axis_mask: 4 },
  },
];

describe('slice mappers', () => {
  it.each(cases)('Should match TensorFlow.js: StridedSlice $title', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    const n = c.begin.length;
    graph.constant('begin', c.begin, [n], 'int32');
    graph.constant('end', c.end, [n], 'int32');
    graph.constant('strides', c.strides, [n], 'int32');
    const masks = {
      begin_mask: 0,
      end_mask: 0,
      ellipsis_mask: 0,
      new_axis_mask: 0,
      shrink_axis_mask: 0,
      ...c.masks,
    };
    graph.node(
      'StridedSlice',
      'y',
      ['x', 'begin', 'end', 'strides'],
      Object.fromEntries(Object.entries(masks).map(([key, value]) => [key, attr.i(value)])),
    );
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(180, 50) } });
  });

  it.each([
    { begin: [0, 1, 2, 0], size: [2, 3, -1, 2] },
    { begin: [1, 0, 0, 1], size: [-1, -1, 3, -1] },
  ])('Should match TensorFlow.js: Slice begin $begin size $size', async (c) => {
    const graph = new TinyGraph();
    graph.input('x', shape);
    graph.constant('begin', c.begin, [4], 'int32');
    graph.constant('size', c.size, [4], 'int32');
    graph.node('Slice', 'y', ['x', 'begin', 'size']);
    await expectParity(graph, { outputs: ['y'], feeds: { x: randomValues(180, 51) } });
  });
});
