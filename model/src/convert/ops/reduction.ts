import { OnnxDataType } from '../../onnx/data-type.js';
import type { OpContext } from '../op-context.js';
import type { Shape } from '../tensor-info.js';
import { normaliseAxis } from './axes.js';
import type { OpMapper } from './op-mapper.js';

function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): Shape {
  const reduced = new Set(axes);
  return keepDims
    ? shape.map((dim, axis) => (reduced.has(axis) ? 1 : dim))
    : shape.filter((_, axis) => !reduced.has(axis));
}

function reductionAxes(ctx: OpContext): number[] {
  const rank = ctx.inputShape(0).length;
  const axes = ctx.constantNumbers(1, 'the reduction axes').map((axis) => normaliseAxis(ctx, axis, rank));
  return [...new Set(axes)].sort((a, b) => a - b);
}

// At opset 17 ReduceSum takes its axes as an input; ReduceMean/Max/Min/Prod still take an attribute.
function reduce(onnxOp: string, axesAsInput: boolean): OpMapper {
  return (ctx) => {
    const axes = reductionAxes(ctx);
    const keepDims = ctx.attrs.bool('keep_dims', false);
    const info = { dataType: ctx.inputType(0), shape: reducedShape(ctx.inputShape(0), axes, keepDims) };
    if (axes.length === 0) return [ctx.emitOutput('Identity', [ctx.input(0)], info)];
    if (axesAsInput) {
      const axesName = ctx.builder.int64Initializer(`${ctx.node.name}/axes`, axes);
      return [ctx.emitOutput(onnxOp, [ctx.input(0), axesName], info, { keepdims: keepDims ? 1 : 0 })];
    }
    return [ctx.emitOutput(onnxOp, [ctx.input(0)], info, { axes, keepdims: keepDims ? 1 : 0 })];
  };
}

function argReduce(onnxOp: 'ArgMax' | 'ArgMin'): OpMapper {
  return (ctx) => {
    const shape = ctx.inputShape(0);
    const [axisValue] = ctx.constantNumbers(1, 'the dimension');
    const axis = normaliseAxis(ctx, axisValue ?? 0, shape.length);
    const outType = ctx.attrs.has('output_type') ? ctx.attrs.type('output_type') : 'DT_INT64';
    const outShape = reducedShape(shape, [axis], false);
    if (outType !== 'DT_INT64' && outType !== 'DT_INT32') ctx.fail(`output_type ${outType} is not supported`);
    const indices = { dataType: OnnxDataType.INT64, shape: outShape };
    // Both pick the first index among equal values (select_last_index=0).
    const attributes = { axis, keepdims: 0 };
    if (outType === 'DT_INT64') return [ctx.emitOutput(onnxOp, [ctx.input(0)], indices, attributes)];
    return [
      ctx.emitOutput(
        'Cast',
        [ctx.emit(onnxOp, [ctx.input(0)], indices, attributes)],
        { dataType: OnnxDataType.INT32, shape: outShape },
        { to: OnnxDataType.INT32 },
      ),
    ];
  };
}

export const reductionMappers: Record<string, OpMapper> = {
  Mean: reduce('ReduceMean', false),
  Sum: reduce('ReduceSum', true),
  Max: reduce('ReduceMax', false),
  Min: reduce('ReduceMin', false),
  Prod: reduce('ReduceProd', false),
  ArgMax: argReduce('ArgMax'),
  ArgMin: argReduce('ArgMin'),
};
