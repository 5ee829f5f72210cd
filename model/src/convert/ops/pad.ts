import type { Dimension } from '../../onnx/model.js';
import type { OpContext } from '../op-context.js';
import type { OpMapper } from './op-mapper.js';

function pads(ctx: OpContext): { begins: number[]; ends: number[] } {
  const rank = ctx.inputShape(0).length;
  const paddings = ctx.constantNumbers(1, 'the paddings');
  if (paddings.length !== rank * 2) ctx.fail(`paddings must be [${rank}, 2], got ${paddings.length} values`);
  if (paddings.some((p) => p < 0)) ctx.fail('negative paddings are not supported');
  return {
    begins: Array.from({ length: rank }, (_, i) => paddings[2 * i]!),
    ends: Array.from({ length: rank }, (_, i) => paddings[2 * i + 1]!),
  };
}

function pad(mode: 'constant' | 'mirror'): OpMapper {
  return (ctx) => {
    const { begins, ends } = pads(ctx);
    const shape: Dimension[] = ctx
      .inputShape(0)
      .map((dim, i) => (dim === null ? null : dim + begins[i]! + ends[i]!));
    const padsName = ctx.builder.int64Initializer(`${ctx.node.name}/pads`, [...begins, ...ends]);
    const info = { dataType: ctx.inputType(0), shape };
    if (mode === 'mirror') {
      const tfMode = ctx.attrs.string('mode');
      // TensorFlow's REFLECT excludes the edge pixel, like ONNX's reflect; SYMMETRIC repeats it and has no ONNX mode.
      if (tfMode !== 'REFLECT') ctx.fail(`MirrorPad mode ${tfMode} has no ONNX equivalent`);
      return [ctx.emitOutput('Pad', [ctx.input(0), padsName], info, { mode: 'reflect' })];
    }
    const inputs = [ctx.input(0), padsName];
    if (ctx.node.op === 'PadV2') {
      if (ctx.inputType(2) !== ctx.inputType(0))
        ctx.fail('constant_values has a different type than the input');
      inputs.push(ctx.input(2));
    }
    return [ctx.emitOutput('Pad', inputs, info, { mode: 'constant' })];
  };
}

export const padMappers: Record<string, OpMapper> = {
  Pad: pad('constant'),
  PadV2: pad('constant'),
  MirrorPad: pad('mirror'),
};
