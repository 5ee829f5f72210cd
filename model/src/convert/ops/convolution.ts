import { OnnxDataType } from '../../onnx/data-type.js';
import type { OpContext } from '../op-context.js';
import type { ConstantTensor } from '../tensor-info.js';
import { type ActivationKind, applyActivation } from './activation.js';
import {
  emitChannelsLast,
  padding,
  requireChannelsLast,
  spatialPair,
  spatialWindow,
  toChannelsFirst,
} from './layout.js';
import type { OpMapper } from './op-mapper.js';

type ConvKind = 'regular' | 'depthwise';

const FUSABLE_ACTIVATIONS = new Set<string>(['Relu', 'Relu6', 'Elu', 'LeakyRelu', 'Prelu', 'Sigmoid']);

/** The fused ops of `_FusedConv2D` / `FusedDepthwiseConv2dNative`: BiasAdd, then at most one activation. */
function fusedOps(ctx: OpContext): { bias: boolean; activation?: ActivationKind } {
  const ops = ctx.attrs.has('fused_ops') ? ctx.attrs.strings('fused_ops') : [];
  if (ops.length === 0) return { bias: false };
  const [first, second, ...rest] = ops;
  if (first !== 'BiasAdd' || rest.length > 0 || (second !== undefined && !FUSABLE_ACTIVATIONS.has(second))) {
    ctx.fail(
      `fused_ops [${ops.join(', ')}] is not supported (BiasAdd with an optional Relu/Relu6/Elu/LeakyRelu/Prelu/Sigmoid is)`,
    );
  }
  const expectedArgs = second === 'Prelu' ? 2 : 1;
  const numArgs = ctx.attrs.int('num_args', expectedArgs);
  if (numArgs !== expectedArgs)
    ctx.fail(`fused_ops [${ops.join(', ')}] needs num_args=${expectedArgs}, got ${numArgs}`);
  return second === undefined ? { bias: true } : { bias: true, activation: second as ActivationKind };
}

/** TensorFlow filters are HWIO (depthwise: HW-I-multiplier); ONNX Conv wants OIHW with group = I for depthwise. */
function onnxFilter(filter: ConstantTensor, kind: ConvKind): { values: Float32Array; shape: number[] } {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const source = filter.values as Float32Array;
  if (kind === 'regular') {
    const values = new Float32Array(source.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++)
            values[((o * cin + i) * kh + y) * kw + x] = source[((y * kw + x) * cin + i) * cout + o]!;
    return { values, shape: [cout, cin, kh, kw] };
  }
  const multiplier = cout;
  const values = new Float32Array(source.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let c = 0; c < cin; c++)
        for (let m = 0; m < multiplier; m++) {
          values[((c * multiplier + m) * kh + y) * kw + x] =
            source[((y * kw + x) * cin + c) * multiplier + m]!;
        }
  return { values, shape: [cin * multiplier, 1, kh, kw] };
}

function convolution(kind: ConvKind, fused: boolean): OpMapper {
  return (ctx) => {
    requireChannelsLast(ctx);
    const inputShape = ctx.inputShape(0);
    if (inputShape.length !== 4) ctx.fail(`expects a 4-D input, got rank ${inputShape.length}`);
    if (ctx.inputType(0) !== OnnxDataType.FLOAT) ctx.fail('only float32 convolutions are converted');
    const filter = ctx.requireConstantInput(1, 'the filter');
    if (filter.shape.length !== 4 || filter.dataType !== OnnxDataType.FLOAT)
      ctx.fail('the filter must be a 4-D float32 constant');
    const [batch, height, width, inputChannels] = inputShape;
    const [kh, kw, filterIn] = filter.shape as [number, number, number, number];
    if (inputChannels !== null && inputChannels !== filterIn) {
      ctx.fail(`input has ${inputChannels} channels but the filter expects ${filterIn}`);
    }
    const strides = spatialPair(ctx, ctx.attrs.ints('strides'), 'strides');
    const dilations = spatialPair(ctx, ctx.attrs.ints('dilations', [1, 1, 1, 1]), 'dilations');
    const pad = padding(ctx);
    const { bias, activation } = fused ? fusedOps(ctx) : { bias: false, activation: undefined };

    const weights = onnxFilter(filter, kind);
    const outChannels = weights.shape[0]!;
    const weightName = ctx.builder.addInitializer(`${ctx.node.name}/weights`, {
      dataType: OnnxDataType.FLOAT,
      shape: weights.shape,
      values: weights.values,
    });
    const convInputs = [toChannelsFirst(ctx, ctx.input(0)), weightName];
    if (bias) {
      const biasShape = ctx.inputShape(2);
      if (biasShape.length !== 1 || biasShape[0] !== outChannels) {
        ctx.fail(`bias shape [${biasShape.join(', ')}] does not match ${outChannels} output channels`);
      }
      convInputs.push(ctx.input(2));
    }
    const window = spatialWindow(ctx, pad, [height ?? null, width ?? null], [kh, kw], strides, dilations);
    let result = ctx.emit(
      'Conv',
      convInputs,
      { dataType: OnnxDataType.FLOAT, shape: [batch ?? null, outChannels, ...window.outputSize] },
      {
        kernel_shape: [kh, kw],
        strides,
        dilations,
        group: kind === 'depthwise' ? filterIn : 1,
        ...window.attributes,
      },
    );
    if (activation) {
      const slope = activation === 'Prelu' ? channelsFirstSlope(ctx, outChannels) : undefined;
      result = applyActivation(ctx, activation, result, {
        alpha: ctx.attrs.float('leakyrelu_alpha', 0.2),
        ...(slope ? { slope } : {}),
      });
    }
    return [emitChannelsLast(ctx, result)];
  };
}

/** PRelu slope of a fused conv (input 3, shape [C]) reshaped to [C, 1, 1] to broadcast over NCHW. */
function channelsFirstSlope(ctx: OpContext, channels: number): string {
  const slope = ctx.requireConstantInput(3, 'the Prelu slope');
  if (slope.values.length !== channels)
    ctx.fail(`Prelu slope has ${slope.values.length} values for ${channels} channels`);
  return ctx.builder.addInitializer(`${ctx.node.name}/prelu_slope`, { ...slope, shape: [channels, 1, 1] });
}

export const convolutionMappers: Record<string, OpMapper> = {
  Conv2D: convolution('regular', false),
  _FusedConv2D: convolution('regular', true),
  DepthwiseConv2dNative: convolution('depthwise', false),
  FusedDepthwiseConv2dNative: convolution('depthwise', true),
};
