import type { OpContext } from '../op-context.js';
import {
  emitChannelsLast,
  padding,
  requireChannelsLast,
  spatialPair,
  spatialWindow,
  toChannelsFirst,
} from './layout.js';
import type { OpMapper } from './op-mapper.js';

function pool(onnxOp: 'MaxPool' | 'AveragePool'): OpMapper {
  return (ctx: OpContext) => {
    requireChannelsLast(ctx);
    const shape = ctx.inputShape(0);
    if (shape.length !== 4) ctx.fail(`expects a 4-D input, got rank ${shape.length}`);
    const kernel = spatialPair(ctx, ctx.attrs.ints('ksize'), 'ksize');
    const strides = spatialPair(ctx, ctx.attrs.ints('strides'), 'strides');
    const pad = padding(ctx);
    const [n, h, w, c] = shape;
    const window = spatialWindow(ctx, pad, [h ?? null, w ?? null], kernel, strides);
    const result = ctx.emit(
      onnxOp,
      [toChannelsFirst(ctx, ctx.input(0))],
      { dataType: ctx.inputType(0), shape: [n ?? null, c ?? null, ...window.outputSize] },
      // TensorFlow's AvgPool averages over the pixels inside the image only (count_include_pad=0).
      { kernel_shape: kernel, strides, ...window.attributes },
    );
    return [emitChannelsLast(ctx, result)];
  };
}

export const poolingMappers: Record<string, OpMapper> = {
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
};
