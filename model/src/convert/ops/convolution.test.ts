import { describe, expect, it } from 'vitest';
import { expectParity } from '../../../test/parity.js';
import { attr, randomValues, TinyGraph } from '../../../test/tiny-graph.js';
import { convertGraphModel } from '../convert-graph-model.js';

interface ConvCase {
  title: string;
  op: 'Conv2D' | '_FusedConv2D' | 'DepthwiseConv2dNative' | 'FusedDepthwiseConv2dNative';
  input: [number, number, number, number];
  /** [kh, kw, cin, cout or multiplier] */
  filter: [number, number, number, number];
  strides?: number;
  dilation?: number;
  padding?: 'SAME' | 'VALID' | 'EXPLICIT';
  fused?: string[];
}

const cases: ConvCase[] = [
  { title: 'Conv2D 3x3 SAME', op: 'Conv2D', input: [1, 7, 7, 3], filter: [3, 3, 3, 4] },
  {
    title: 'Conv2D 3x3 stride 2 SAME on an odd size (extra pixel at the end)',
    op: 'Conv2D',
    input: [1, 9, 8, 3],
    filter: [3, 3, 3, 5],
    strides: 2,
  },
  {
    title: 'Conv2D 2x2 stride 2 SAME on an even size',
    op: 'Conv2D',
    input: [1, 8, 8, 2],
    filter: [2, 2, 2, 3],
    strides: 2,
  },
  { title: 'Conv2D 3x3 VALID', op: 'Conv2D', input: [1, 7, 6, 2], filter: [3, 3, 2, 2], padding: 'VALID' },
  {
    title: 'Conv2D EXPLICIT padding',
    op: 'Conv2D',
    input: [1, 6, 6, 2],
    filter: [3, 3, 2, 2],
    padding: 'EXPLICIT',
  },
  { title: 'Conv2D dilation 2', op: 'Conv2D', input: [1, 9, 9, 2], filter: [3, 3, 2, 3], dilation: 2 },
  { title: 'Conv2D 1x1 batch 2', op: 'Conv2D', input: [2, 5, 5, 4], filter: [1, 1, 4, 6] },
  {
    title: '_FusedConv2D BiasAdd',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd'],
  },
  {
    title: '_FusedConv2D BiasAdd+Relu',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'Relu'],
  },
  {
    title: '_FusedConv2D BiasAdd+Relu6',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'Relu6'],
  },
  {
    title: '_FusedConv2D BiasAdd+Elu',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'Elu'],
  },
  {
    title: '_FusedConv2D BiasAdd+LeakyRelu',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'LeakyRelu'],
  },
  {
    title: '_FusedConv2D BiasAdd+Sigmoid',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'Sigmoid'],
  },
  {
    title: '_FusedConv2D BiasAdd+Prelu',
    op: '_FusedConv2D',
    input: [1, 6, 6, 3],
    filter: [3, 3, 3, 4],
    fused: ['BiasAdd', 'Prelu'],
  },
  {
    title: 'DepthwiseConv2dNative 3x3 SAME',
    op: 'DepthwiseConv2dNative',
    input: [1, 7, 7, 4],
    filter: [3, 3, 4, 1],
  },
  {
    title: 'DepthwiseConv2dNative multiplier 2, stride 2, odd size',
    op: 'DepthwiseConv2dNative',
    input: [1, 9, 7, 3],
    filter: [3, 3, 3, 2],
    strides: 2,
  },
  {
    title: 'DepthwiseConv2dNative 5x5 VALID',
    op: 'DepthwiseConv2dNative',
    input: [1, 9, 9, 2],
    filter: [5, 5, 2, 1],
    padding: 'VALID',
  },
  {
    title: 'FusedDepthwiseConv2dNative BiasAdd',
    op: 'FusedDepthwiseConv2dNative',
    input: [1, 6, 6, 4],
    filter: [3, 3, 4, 1],
    fused: ['BiasAdd'],
  },
  {
    title: 'FusedDepthwiseConv2dNative BiasAdd+Relu stride 2',
    op: 'FusedDepthwiseConv2dNative',
    input: [1, 8, 8, 4],
    filter: [3, 3, 4, 1],
    strides: 2,
    fused: ['BiasAdd', 'Relu'],
  },
];

function convGraph(c: ConvCase): { graph: TinyGraph; size: number } {
  const graph = new TinyGraph();
  const x = graph.input('x', c.input);
  const filterSize = c.filter.reduce((a, b) => a * b, 1);
  const w = graph.constant('w', randomValues(filterSize, 2), c.filter);
  const inputs = [x, w];
  const outChannels =
    c.op.startsWith('Depthwise') || c.op.startsWith('FusedDepthwise')
      ? c.filter[2] * c.filter[3]
      : c.filter[3];
  if (c.fused) inputs.push(graph.constant('bias', randomValues(outChannels, 3), [outChannels]));
  if (c.fused?.[1] === 'Prelu')
    inputs.push(graph.constant('alpha', randomValues(outChannels, 4, 0, 0.5), [outChannels]));
  const stride = c.strides ?? 1;
  const dilation = c.dilation ?? 1;
  graph.node(c.op, 'conv', inputs, {
    strides: attr.ints([1, stride, stride, 1]),
    dilations: attr.ints([1, dilation, dilation, 1]),
    padding: attr.s(c.padding ?? 'SAME'),
    explicit_paddings: attr.ints(c.padding === 'EXPLICIT' ? [0, 0, 1, 2, 2, 0, 0, 0] : []),
    data_format: attr.s('NHWC'),
    ...(c.fused
      ? {
          fused_ops: attr.strings(c.fused),
          num_args: attr.i(inputs.length - 2),
          epsilon: attr.f(0),
          leakyrelu_alpha: attr.f(0.1),
        }
      : {}),
  });
  return { graph, size: c.input.reduce((a, b) => a * b, 1) };
}

describe('convolution mappers', () => {
  it.each(cases)('Should match TensorFlow.js: $title', async (c) => {
    const { graph, size } = convGraph(c);
    await expectParity(graph, { outputs: ['conv'], feeds: { x: randomValues(size, 1, -2, 2) } });
  });

  it('Should refuse fused batch normalisation instead of converting it blind', () => {
    const { graph } = convGraph({
      title: '',
      op: '_FusedConv2D',
      input: [1, 4, 4, 2],
      filter: [1, 1, 2, 2],
      fused: ['BiasAdd'],
    });
    graph.nodes.find((node) => node.name === 'conv')!.attr!.fused_ops = attr.strings(['FusedBatchNorm']);
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['conv'] })).toThrow(
      /node "conv" \(_FusedConv2D\): fused_ops \[FusedBatchNorm\] is not supported/,
    );
  });

  it('Should refuse NCHW data, which TensorFlow.js cannot check', () => {
    const { graph } = convGraph({ title: '', op: 'Conv2D', input: [1, 4, 4, 2], filter: [1, 1, 2, 2] });
    graph.nodes.find((node) => node.name === 'conv')!.attr!.data_format = attr.s('NCHW');
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['conv'] })).toThrow(
      /node "conv" \(Conv2D\): data_format "NCHW"/,
    );
  });

  it('Should refuse a filter computed at run time', () => {
    const graph = new TinyGraph();
    graph.input('x', [1, 4, 4, 2]);
    graph.input('w', [1, 1, 2, 2]);
    graph.node('Conv2D', 'conv', ['x', 'w'], { strides: attr.ints([1, 1, 1, 1]), padding: attr.s('SAME') });
    expect(() => convertGraphModel(graph.toGraphModel(), { outputs: ['conv'] })).toThrow(
      /the filter \(input 1\) must be a constant/,
    );
  });
});
