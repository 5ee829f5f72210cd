import { OnnxDataType } from '../../onnx/data-type.js';
import type { Dimension } from '../../onnx/model.js';
import { elementCount, isFullyKnown, type Shape } from '../tensor-info.js';
import { onnxTypeFromTf } from '../tf-data-type.js';
import { normaliseAxis } from './axes.js';
import { reshapeWithBatch } from './batch-dimension.js';
import { permuteShape } from './layout.js';
import type { OpMapper } from './op-mapper.js';

/** Resolves TensorFlow's reshape target (-1 = inferred, 0 = an empty dimension) against the input. */
function reshapeTarget(input: Shape, target: readonly number[]): Dimension[] {
  const inferred = target.indexOf(-1);
  if (inferred === -1) return [...target];
  const known = target.reduce((product, dim, index) => (index === inferred ? product : product * dim), 1);
  const total = isFullyKnown(input) ? elementCount(input) : null;
  return target.map((dim, index) =>
    index === inferred ? (total === null || known === 0 ? null : total / known) : dim,
  );
}

const reshape: OpMapper = (ctx) => {
  const input = ctx.inputShape(0);
  const dataType = ctx.inputType(0);
  const shapeConstant = ctx.constantInput(1);
  if (!shapeConstant) {
    const shape = ctx.emit(
      'Cast',
      [ctx.input(1)],
      { dataType: OnnxDataType.INT64, shape: ctx.inputInfo(1).shape },
      { to: OnnxDataType.INT64 },
    );
    const rank = ctx.inputShape(1)[0] ?? null;
    const outShape = rank === null ? null : new Array<Dimension>(rank).fill(null);
    return [
      ctx.emitOutput('Reshape', [ctx.input(0), shape], { dataType, shape: outShape }, { allowzero: 1 }),
    ];
  }
  const target = ctx.constantNumbers(1, 'the shape');
  if (target.filter((dim) => dim === -1).length > 1)
    ctx.fail(`shape [${target.join(', ')}] has more than one -1`);
  const batched = reshapeWithBatch(ctx, target);
  if (batched) return batched;
  const outShape = reshapeTarget(input, target);
  if (isFullyKnown(input) && isFullyKnown(outShape)) {
    if (elementCount(input) !== elementCount(outShape))
      ctx.fail(`cannot reshape [${input.join(', ')}] to [${target.join(', ')}]`);
  }
  // A fully resolved target (no -1, no zeros) reads the same under ONNX's rules as under TensorFlow's.
  const onnxTarget = isFullyKnown(outShape) ? outShape : target;
  const shapeName = ctx.builder.int64Initializer(`${ctx.node.name}/shape`, onnxTarget);
  return [
    ctx.emitOutput('Reshape', [ctx.input(0), shapeName], { dataType, shape: outShape }, { allowzero: 1 }),
  ];
};

const expandDims: OpMapper = (ctx) => {
  const input = ctx.inputShape(0);
  const [axisValue] = ctx.constantNumbers(1, 'the axis');
  const axis = normaliseAxis(ctx, axisValue ?? 0, input.length + 1);
  const shape = [...input.slice(0, axis), 1, ...input.slice(axis)];
  const axes = ctx.builder.int64Initializer(`${ctx.node.name}/axes`, [axis]);
  return [ctx.emitOutput('Unsqueeze', [ctx.input(0), axes], { dataType: ctx.inputType(0), shape })];
};

const squeeze: OpMapper = (ctx) => {
  const input = ctx.inputShape(0);
  const requested = ctx.attrs.ints('squeeze_dims', []).map((axis) => normaliseAxis(ctx, axis, input.length));
  const axes = requested.length > 0 ? requested : input.flatMap((dim, axis) => (dim === 1 ? [axis] : []));
  if (requested.length === 0 && input.some((dim) => dim === null)) {
    ctx.fail('Squeeze without squeeze_dims needs a fully known input shape');
  }
  for (const axis of axes)
    if (input[axis] !== 1 && input[axis] !== null)
      ctx.fail(`cannot squeeze axis ${axis} of size ${input[axis]}`);
  const shape = input.filter((_, axis) => !axes.includes(axis));
  const axesName = ctx.builder.int64Initializer(`${ctx.node.name}/axes`, axes);
  return [ctx.emitOutput('Squeeze', [ctx.input(0), axesName], { dataType: ctx.inputType(0), shape })];
};

const identity: OpMapper = (ctx) => [ctx.emitOutput('Identity', [ctx.input(0)], ctx.inputInfo(0))];

const cast: OpMapper = (ctx) => {
  const to = onnxTypeFromTf(ctx.attrs.type('DstT'));
  return [ctx.emitOutput('Cast', [ctx.input(0)], { dataType: to, shape: ctx.inputInfo(0).shape }, { to })];
};

const transpose: OpMapper = (ctx) => {
  const input = ctx.inputShape(0);
  const perm = ctx
    .constantNumbers(1, 'the permutation')
    .map((axis) => normaliseAxis(ctx, axis, input.length));
  if (new Set(perm).size !== input.length || perm.length !== input.length)
    ctx.fail(`[${perm.join(', ')}] is not a permutation`);
  return [
    ctx.emitOutput(
      'Transpose',
      [ctx.input(0)],
      { dataType: ctx.inputType(0), shape: permuteShape(input, perm) },
      { perm },
    ),
  ];
};

const shapeOf: OpMapper = (ctx) => {
  const rank = ctx.inputShape(0).length;
  const outType = ctx.attrs.has('out_type') ? onnxTypeFromTf(ctx.attrs.type('out_type')) : OnnxDataType.INT32;
  const shape = ctx.emit('Shape', [ctx.input(0)], { dataType: OnnxDataType.INT64, shape: [rank] });
  if (outType === OnnxDataType.INT64)
    return [ctx.emitOutput('Identity', [shape], { dataType: outType, shape: [rank] })];
  return [ctx.emitOutput('Cast', [shape], { dataType: outType, shape: [rank] }, { to: outType })];
};

export const shapeMappers: Record<string, OpMapper> = {
  Reshape: reshape,
  ExpandDims: expandDims,
  Squeeze: squeeze,
  Identity: identity,
  StopGradient: identity,
  Snapshot: identity,
  Cast: cast,
  Transpose: transpose,
  Shape: shapeOf,
};
