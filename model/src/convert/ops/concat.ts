import type { Dimension } from '../../onnx/model.js';
import type { OpContext } from '../op-context.js';
import type { Shape } from '../tensor-info.js';
import { normaliseAxis } from './axes.js';
import type { OpMapper } from './op-mapper.js';

function concatenatedShape(ctx: OpContext, shapes: readonly Shape[], axis: number): Dimension[] {
  const [first] = shapes;
  if (!first) ctx.fail('has no inputs to concatenate');
  return first.map((dim, index) => {
    if (index !== axis) return shapes.find((shape) => shape[index] !== null)?.[index] ?? dim;
    return shapes.some((shape) => shape[axis] === null)
      ? null
      : shapes.reduce((sum, shape) => sum + shape[axis]!, 0);
  });
}

function checkSameType(ctx: OpContext, count: number): void {
  const type = ctx.inputType(0);
  for (let i = 1; i < count; i++)
    if (ctx.inputType(i) !== type) ctx.fail(`input ${i} has a different type than input 0`);
}

const concatV2: OpMapper = (ctx) => {
  const count = ctx.inputCount - 1;
  checkSameType(ctx, count);
  const shapes = Array.from({ length: count }, (_, i) => ctx.inputShape(i));
  const rank = shapes[0]?.length ?? 0;
  const [axisValue] = ctx.constantNumbers(count, 'the axis');
  const axis = normaliseAxis(ctx, axisValue ?? 0, rank);
  if (shapes.some((shape) => shape.length !== rank)) ctx.fail('inputs have different ranks');
  const inputs = Array.from({ length: count }, (_, i) => ctx.input(i));
  return [
    ctx.emitOutput(
      'Concat',
      inputs,
      { dataType: ctx.inputType(0), shape: concatenatedShape(ctx, shapes, axis) },
      { axis },
    ),
  ];
};

/** Pack (tf.stack): every input gains a unit axis, then they are concatenated along it. */
const pack: OpMapper = (ctx) => {
  const count = ctx.inputCount;
  checkSameType(ctx, count);
  const rank = ctx.inputShape(0).length;
  const axis = normaliseAxis(ctx, ctx.attrs.int('axis', 0), rank + 1);
  const axes = ctx.builder.int64Initializer(`${ctx.node.name}/axes`, [axis]);
  const shapes: Shape[] = [];
  const expanded = Array.from({ length: count }, (_, i) => {
    const shape = ctx.inputShape(i);
    if (shape.length !== rank) ctx.fail('inputs have different ranks');
    const withAxis = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
    shapes.push(withAxis);
    return ctx.emit('Unsqueeze', [ctx.input(i), axes], { dataType: ctx.inputType(i), shape: withAxis });
  });
  return [
    ctx.emitOutput(
      'Concat',
      expanded,
      { dataType: ctx.inputType(0), shape: concatenatedShape(ctx, shapes, axis) },
      { axis },
    ),
  ];
};

export const concatMappers: Record<string, OpMapper> = {
  ConcatV2: concatV2,
  Pack: pack,
};
