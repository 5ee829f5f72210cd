import type { OpContext } from '../op-context.js';

export function normaliseAxis(ctx: OpContext, axis: number, rank: number): number {
  const normalised = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalised) || normalised < 0 || normalised >= rank) {
    ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  }
  return normalised;
}
