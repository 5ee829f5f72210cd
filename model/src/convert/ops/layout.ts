import type { OpContext } from '../op-context.js';
import type { Shape, TensorInfo } from '../tensor-info.js';

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

export type DataFormat = 'NHWC' | 'NCHW';

export function permuteShape(shape: Shape, perm: readonly number[]): Shape {
  return perm.map((axis) => shape[axis] ?? null);
}

export function dataFormat(ctx: OpContext): DataFormat {
  const format = ctx.attrs.has('data_format') ? ctx.attrs.string('data_format') : 'NHWC';
  if (format !== 'NHWC' && format !== 'NCHW') ctx.fail(`data_format "${format}" is not supported`);
  return format;
}

/** Brings a 4-D tensor to NCHW for an ONNX spatial op; onnxruntime cancels back-to-back transposes. */
export function toChannelsFirst(ctx: OpContext, input: string, format: DataFormat): string {
  if (format === 'NCHW') return input;
  const info = ctx.builder.info(input);
  if (info.shape === null || info.shape.length !== 4) ctx.fail('expects a 4-D input');
  return ctx.emit(
    'Transpose',
    [input],
    { ...info, shape: permuteShape(info.shape, NHWC_TO_NCHW) },
    { perm: NHWC_TO_NCHW },
  );
}

/** Returns an NCHW result to the node's own layout as its TensorFlow output 0. */
export function emitFromChannelsFirst(ctx: OpContext, result: string, format: DataFormat): string {
  const info = ctx.builder.info(result);
  if (format === 'NCHW') return ctx.emitOutput('Identity', [result], info);
  const shape: Shape | null = info.shape && permuteShape(info.shape, NCHW_TO_NHWC);
  const outInfo: TensorInfo = { dataType: info.dataType, shape };
  return ctx.emitOutput('Transpose', [result], outInfo, { perm: NCHW_TO_NHWC });
}

/** Spatial attributes (strides, dilations, kernel size) are 4-vectors in the node's layout; ONNX wants [h, w]. */
export function spatialPair(
  ctx: OpContext,
  values: readonly number[],
  name: string,
  format: DataFormat,
): number[] {
  if (values.length !== 4) ctx.fail(`${name} must have 4 entries, got [${values.join(', ')}]`);
  const [batchAxis, hAxis, wAxis, channelAxis] = format === 'NHWC' ? [0, 1, 2, 3] : [0, 2, 3, 1];
  if (values[batchAxis] !== 1 || values[channelAxis] !== 1) {
    ctx.fail(`${name} [${values.join(', ')}] must be 1 on the batch and channel axes`);
  }
  return [values[hAxis]!, values[wAxis]!];
}

export type Padding = { kind: 'SAME' | 'VALID' } | { kind: 'EXPLICIT'; pads: number[] };

export function padding(ctx: OpContext, format: DataFormat): Padding {
  const kind = ctx.attrs.string('padding');
  if (kind === 'SAME' || kind === 'VALID') return { kind };
  if (kind !== 'EXPLICIT') ctx.fail(`padding "${kind}" is not supported`);
  const explicit = ctx.attrs.ints('explicit_paddings');
  if (explicit.length !== 8) ctx.fail(`explicit_paddings must have 8 entries, got ${explicit.length}`);
  const [h, w] = format === 'NHWC' ? [1, 2] : [2, 3];
  return {
    kind: 'EXPLICIT',
    pads: [explicit[2 * h]!, explicit[2 * w]!, explicit[2 * h + 1]!, explicit[2 * w + 1]!],
  };
}

/** ONNX attributes for a padding mode; TensorFlow's SAME puts the odd pixel at the end, as SAME_UPPER does. */
export function paddingAttributes(pad: Padding): { auto_pad?: string; pads?: number[] } {
  if (pad.kind === 'EXPLICIT') return { pads: pad.pads };
  return { auto_pad: pad.kind === 'SAME' ? 'SAME_UPPER' : 'VALID' };
}

export function spatialOutputSize(
  input: number | null,
  kernel: number,
  stride: number,
  dilation: number,
  pad: Padding,
  axis: 0 | 1,
): number | null {
  if (input === null) return null;
  const effectiveKernel = (kernel - 1) * dilation + 1;
  if (pad.kind !== 'EXPLICIT') {
    return pad.kind === 'SAME'
      ? Math.ceil(input / stride)
      : Math.floor((input - effectiveKernel) / stride) + 1;
  }
  const total = input + pad.pads[axis]! + pad.pads[axis + 2]!;
  return Math.floor((total - effectiveKernel) / stride) + 1;
}
