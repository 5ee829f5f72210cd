import { normaliseAxis } from './axes.js';
import { gatherWithBatch } from './batch-dimension.js';
import type { OpMapper } from './op-mapper.js';

const gatherV2: OpMapper = (ctx) => {
  if (ctx.attrs.int('batch_dims', 0) !== 0) ctx.fail('batch_dims other than 0 is not supported');
  const data = ctx.inputShape(0);
  const indices = ctx.inputShape(1);
  const [axisValue] = ctx.constantNumbers(2, 'the axis');
  const axis = normaliseAxis(ctx, axisValue ?? 0, data.length);
  const batched = gatherWithBatch(ctx, axis);
  if (batched) return batched;
  const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
  return [
    ctx.emitOutput('Gather', [ctx.input(0), ctx.input(1)], { dataType: ctx.inputType(0), shape }, { axis }),
  ];
};

export const gatherMappers: Record<string, OpMapper> = {
  GatherV2: gatherV2,
};
