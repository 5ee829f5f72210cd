import { OnnxDataType } from '../../onnx/data-type.js';
import type { OpContext } from '../op-context.js';
import type { OpMapper } from './op-mapper.js';

type ResizeMode = 'linear' | 'nearest';

/** ONNX Resize attributes that reproduce TensorFlow's coordinate mapping for the node's flags. */
function resizeAttributes(ctx: OpContext, mode: ResizeMode): Record<string, string> {
  const alignCorners = ctx.attrs.bool('align_corners', false);
  const halfPixel = ctx.attrs.bool('half_pixel_centers', false);
  if (alignCorners && halfPixel) ctx.fail('align_corners and half_pixel_centers cannot both be set');
  if (mode === 'linear') {
    const transform = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
    return { mode, coordinate_transformation_mode: transform };
  }
  // TensorFlow: floor(out * scale); with align_corners round(out * scale); with half-pixel centres
  // floor((out + 0.5) * scale), which is half_pixel followed by rounding half up.
  if (alignCorners)
    return { mode, coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' };
  if (halfPixel)
    return { mode, coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_ceil' };
  return { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
}

function resize(mode: ResizeMode): OpMapper {
  return (ctx) => {
    const shape = ctx.inputShape(0);
    if (shape.length !== 4) ctx.fail('expects a 4-D NHWC input');
    const size = ctx.constantNumbers(1, 'the output size');
    if (size.length !== 2 || size.some((dim) => !Number.isInteger(dim) || dim <= 0)) {
      ctx.fail(`size must be two positive integers, got [${size.join(', ')}]`);
    }
    const [height, width] = size as [number, number];
    const [batch, , , channels] = shape;
    // Full-rank sizes on the NHWC tensor: onnxruntime mis-optimises Resize when it is given `axes`.
    const sizes =
      batch !== null && batch !== undefined && channels !== null && channels !== undefined
        ? ctx.builder.int64Initializer(`${ctx.node.name}/sizes`, [batch, height, width, channels])
        : dynamicSizes(ctx, height, width);
    const info = { dataType: ctx.inputType(0), shape: [batch ?? null, height, width, channels ?? null] };
    return [ctx.emitOutput('Resize', [ctx.input(0), '', '', sizes], info, resizeAttributes(ctx, mode))];
  };
}

/** [N, height, width, C] built at run time when N or C are not known statically. */
function dynamicSizes(ctx: OpContext, height: number, width: number): string {
  const int64 = (shape: number[]) => ({ dataType: OnnxDataType.INT64, shape });
  const inputShape = ctx.emit('Shape', [ctx.input(0)], int64([4]));
  const b = ctx.builder;
  const batch = ctx.emit(
    'Slice',
    [
      inputShape,
      b.int64Initializer(`${ctx.node.name}/n0`, [0]),
      b.int64Initializer(`${ctx.node.name}/n1`, [1]),
    ],
    int64([1]),
  );
  const channels = ctx.emit(
    'Slice',
    [
      inputShape,
      b.int64Initializer(`${ctx.node.name}/c0`, [3]),
      b.int64Initializer(`${ctx.node.name}/c1`, [4]),
    ],
    int64([1]),
  );
  const spatial = b.int64Initializer(`${ctx.node.name}/hw`, [height, width]);
  return ctx.emit('Concat', [batch, spatial, channels], int64([4]), { axis: 0 });
}

export const resizeMappers: Record<string, OpMapper> = {
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
};
