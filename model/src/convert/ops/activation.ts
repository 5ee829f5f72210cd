import { OnnxDataType } from '../../onnx/data-type.js';
import type { OpContext } from '../op-context.js';
import type { OpMapper } from './op-mapper.js';

export type ActivationKind = 'Relu' | 'Relu6' | 'Elu' | 'LeakyRelu' | 'Sigmoid' | 'Tanh' | 'Prelu';

export interface ActivationOptions {
  /** Alpha of LeakyRelu. */
  alpha?: number;
  /** PRelu slope tensor, already broadcastable against the input. */
  slope?: string;
  /** Emit as the node's TensorFlow output with this index instead of as an intermediate tensor. */
  outputIndex?: number;
}

/** Applies an activation to `input`; Relu6 becomes Clip(0, 6) as ONNX has no Relu6. */
export function applyActivation(
  ctx: OpContext,
  kind: ActivationKind,
  input: string,
  options: ActivationOptions = {},
): string {
  const info = ctx.builder.info(input);
  const emit = (opType: string, inputs: string[], attributes = {}) =>
    options.outputIndex === undefined
      ? ctx.emit(opType, inputs, info, attributes)
      : ctx.emitOutput(opType, inputs, info, attributes, options.outputIndex);
  switch (kind) {
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'Elu':
      return emit(kind, [input], kind === 'Elu' ? { alpha: { type: 'float', value: 1 } } : {});
    case 'Relu6': {
      if (info.dataType !== OnnxDataType.FLOAT) ctx.fail('Relu6 is converted for float32 only');
      const min = ctx.builder.floatInitializer(`${ctx.node.name}/clip_min`, [0], []);
      const max = ctx.builder.floatInitializer(`${ctx.node.name}/clip_max`, [6], []);
      return emit('Clip', [input, min, max]);
    }
    case 'LeakyRelu':
      return emit('LeakyRelu', [input], { alpha: { type: 'float', value: options.alpha ?? 0.2 } });
    case 'Prelu':
      if (!options.slope) ctx.fail('Prelu needs a slope tensor');
      return emit('PRelu', [input, options.slope]);
  }
}

const standalone =
  (kind: ActivationKind): OpMapper =>
  (ctx) => [
    applyActivation(ctx, kind, ctx.input(0), {
      outputIndex: 0,
      ...(kind === 'LeakyRelu' ? { alpha: ctx.attrs.float('alpha', 0.2) } : {}),
    }),
  ];

export const activationMappers: Record<string, OpMapper> = {
  Relu: standalone('Relu'),
  Relu6: standalone('Relu6'),
  Elu: standalone('Elu'),
  LeakyRelu: standalone('LeakyRelu'),
  Sigmoid: standalone('Sigmoid'),
  Tanh: standalone('Tanh'),
  Prelu: (ctx) => [applyActivation(ctx, 'Prelu', ctx.input(0), { slope: ctx.input(1), outputIndex: 0 })],
  Softmax: (ctx) => [ctx.emitOutput('Softmax', [ctx.input(0)], ctx.inputInfo(0), { axis: -1 })],
};
