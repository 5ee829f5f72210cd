import type { OpContext } from '../op-context.js';
import type { Shape } from '../tensor-info.js';

export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

export function permuteShape(shape: Shape, perm: readonly number[]): Shape {
  return perm.map((axis) => shape[axis] ?? null);
}

/**
 * TensorFlow.js only runs NHWC convolutions and pools, so NCHW graphs could not be checked against
 * the reference and are refused rather than converted blind.
 */
export function requireChannelsLast(ctx: OpContext): void {
  const format = ctx.attrs.has('data_format') ? ctx.attrs.string('data_format') : 'NHWC';
  if (format !== 'NHWC') ctx.fail(`data_format "${format}" is not supported (only NHWC)`);
}

/** NHWC to NCHW for an ONNX spatial op; onnxruntime's transpose optimizer cancels back-to-back pairs. */
export function toChannelsFirst(ctx: OpContext, input: string): string {
  const info = ctx.builder.info(input);
  if (info.shape === null || info.shape.length !== 4) ctx.fail('expects a 4-D input');
  return ctx.emit(
    'Transpose',
    [input],
    { ...info, shape: permuteShape(info.shape, NHWC_TO_NCHW) },
    { perm: NHWC_TO_NCHW },
  );
}

/** Returns an NCHW result to NHWC as the node's TensorFlow output 0. */
export function emitChannelsLast(ctx: OpContext, result: string): string {
  const info = ctx.builder.info(result);
  const shape = info.shape && permuteShape(info.shape, NCHW_TO_NHWC);
  return ctx.emitOutput('Transpose', [result], { dataType: info.dataType, shape }, { perm: NCHW_TO_NHWC });
}

/** Strides, dilations and kernel sizes are NHWC 4-vectors in TensorFlow; ONNX wants [h, w]. */
export function spatialPair(ctx: OpContext, values: readonly number[], name: string): [number, number] {
  const [batch, h, w, channels] = values;
  if (values.length !== 4 || batch !== 1 || channels !== 1 || h === undefined || w === undefined) {
    ctx.fail(`${name} [${values.join(', ')}] must have 4 entries with 1 on the batch and channel axes`);
  }
  return [h, w];
}

export type Padding =
  | { kind: 'SAME' | 'VALID' }
  | { kind: 'EXPLICIT'; pads: [number, number, number, number] };

export function padding(ctx: OpContext): Padding {
  const kind = ctx.attrs.string('padding');
  if (kind === 'SAME' || kind === 'VALID') return { kind };
  if (kind !== 'EXPLICIT') ctx.fail(`padding "${kind}" is not supported`);
  const explicit = ctx.attrs.ints('explicit_paddings');
  const [, , top, bottom, left, right] = explicit;
  if (
    explicit.length !== 8 ||
    top === undefined ||
    bottom === undefined ||
    left === undefined ||
    right === undefined
  ) {
    ctx.fail(`explicit_paddings must have 8 entries, got ${explicit.length}`);
  }
  return { kind: 'EXPLICIT', pads: [top, left, bottom, right] };
}

/**
 * Output size and ONNX padding attributes of a convolution or pooling window over [h, w]. TensorFlow's
 * SAME puts the odd pixel at the end, as SAME_UPPER does; onnxruntime rejects SAME_UPPER with dilations,
 * so dilated SAME gets TensorFlow's explicit pads.
 */
export function spatialWindow(
  ctx: OpContext,
  pad: Padding,
  input: readonly [number | null, number | null],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number] = [1, 1],
): { outputSize: [number | null, number | null]; attributes: { auto_pad?: string; pads?: number[] } } {
  const axes = [0, 1] as const;
  const effectiveKernel = axes.map((axis) => (kernel[axis] - 1) * dilations[axis] + 1);
  const outputSize = axes.map((axis) => {
    const size = input[axis];
    if (size === null) return null;
    if (pad.kind === 'SAME') return Math.ceil(size / strides[axis]);
    const padded = pad.kind === 'EXPLICIT' ? size + pad.pads[axis] + pad.pads[axis + 2]! : size;
    return Math.floor((padded - effectiveKernel[axis]!) / strides[axis]) + 1;
  }) as [number | null, number | null];

  if (pad.kind === 'EXPLICIT') return { outputSize, attributes: { pads: pad.pads } };
  if (pad.kind === 'VALID') return { outputSize, attributes: { auto_pad: 'VALID' } };
  if (dilations[0] === 1 && dilations[1] === 1) return { outputSize, attributes: { auto_pad: 'SAME_UPPER' } };
  const totals = axes.map((axis) => {
    const size = input[axis];
    const out = outputSize[axis];
    if (size === null || out === null) ctx.fail('dilated SAME padding needs static spatial dimensions');
    return Math.max((out - 1) * strides[axis] + effectiveKernel[axis]! - size, 0);
  });
  const begins = totals.map((total) => Math.floor(total / 2));
  return {
    outputSize,
    attributes: { pads: [begins[0]!, begins[1]!, totals[0]! - begins[0]!, totals[1]! - begins[1]!] },
  };
}
