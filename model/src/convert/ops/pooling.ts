import type { OpContext } from '../op-context.js';
import {
  dataFormat,
  emitFromChannelsFirst,
  padding,
  paddingAttributes,
  spatialOutputSize,
  spatialPair,
  toChannelsFirst,
} from './layout.js';
import type { OpMapper } from './op-mapper.js';

function pool(onnxOp: 'MaxPool' | 'AveragePool'): OpMapper {
  return (ctx: OpContext) => {
    const format = dataFormat(ctx);
    const shape = ctx.inputShape(0);
    if (shape.length !== 4) ctx.fail(`expects a 4-D input, got rank ${shape.length}`);
    const kernel = spatialPair(ctx, ctx.attrs.ints('ksize'), 'ksize', format);
    const strides = spatialPair(ctx, ctx.attrs.ints('strides'), 'strides', format);
    const pad = padding(ctx, format);
    const [n, c, h, w] = format === 'NHWC' ? [shape[0], shape[3], shape[1], shape[2]] : shape;
    const result = ctx.emit(
      onnxOp,
      [toChannelsFirst(ctx, ctx.input(0), format)],
      {
        dataType: ctx.inputType(0),
        shape: [
          n ?? null,
          c ?? null,
          spatialOutputSize(h ?? null, kernel[0]!, strides[0]!, 1, pad, 0),
          spatialOutputSize(w ?? null, kernel[1]!, strides[1]!, 1, pad, 1),
        ],
      },
      // TensorFlow's AvgPool averages over the pixels inside the image only (count_include_pad=0).
      { kernel_shape: kernel, strides, ...paddingAttributes(pad) },
    );
    return [emitFromChannelsFirst(ctx, result, format)];
  };
}

export const poolingMappers: Record<string, OpMapper> = {
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
};
