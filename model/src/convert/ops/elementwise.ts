import { OnnxDataType } from '../../onnx/data-type.js';
import type { OpContext } from '../op-context.js';
import { broadcastShapes, type TensorInfo } from '../tensor-info.js';
import { requireChannelsLast } from './layout.js';
import type { OpMapper } from './op-mapper.js';

const INTEGER_TYPES = new Set<OnnxDataType>([
  OnnxDataType.INT8,
  OnnxDataType.INT16,
  OnnxDataType.INT32,
  OnnxDataType.INT64,
  OnnxDataType.UINT8,
  OnnxDataType.UINT16,
]);

function binaryInfo(ctx: OpContext, resultType?: OnnxDataType): TensorInfo {
  const a = ctx.inputInfo(0);
  const b = ctx.inputInfo(1);
  // ONNX has no implicit type promotion, so mismatched operands would build an invalid graph.
  if (a.dataType !== b.dataType) ctx.fail(`operands have different types (${a.dataType} and ${b.dataType})`);
  return { dataType: resultType ?? a.dataType, shape: broadcastShapes(a.shape, b.shape) };
}

const binary =
  (onnxOp: string, resultType?: OnnxDataType): OpMapper =>
  (ctx) => [ctx.emitOutput(onnxOp, [ctx.input(0), ctx.input(1)], binaryInfo(ctx, resultType))];

const unary =
  (onnxOp: string): OpMapper =>
  (ctx) => [ctx.emitOutput(onnxOp, [ctx.input(0)], ctx.inputInfo(0))];

const floatOnly =
  (mapper: OpMapper): OpMapper =>
  (ctx) => {
    if (INTEGER_TYPES.has(ctx.inputType(0))) ctx.fail('is converted for floating-point inputs only');
    return mapper(ctx);
  };

const compare = (onnxOp: string) => binary(onnxOp, OnnxDataType.BOOL);

// TensorFlow rounds integer FloorDiv/FloorMod towards -inf; ONNX integer Div truncates towards 0,
// while Mod with fmod=0 already takes the divisor's sign (a floor modulo).
const floorMod: OpMapper = (ctx) => {
  const info = binaryInfo(ctx);
  const [a, b] = [ctx.input(0), ctx.input(1)];
  if (INTEGER_TYPES.has(info.dataType)) return [ctx.emitOutput('Mod', [a, b], info, { fmod: 0 })];
  const quotient = ctx.emit('Floor', [ctx.emit('Div', [a, b], info)], info);
  return [ctx.emitOutput('Sub', [a, ctx.emit('Mul', [quotient, b], info)], info)];
};

const floorDiv: OpMapper = (ctx) => {
  const info = binaryInfo(ctx);
  const [a, b] = [ctx.input(0), ctx.input(1)];
  if (!INTEGER_TYPES.has(info.dataType))
    return [ctx.emitOutput('Floor', [ctx.emit('Div', [a, b], info)], info)];
  const remainder = ctx.emit('Mod', [a, b], info, { fmod: 0 });
  // a - floormod(a, b) is an exact multiple of b, so the truncating Div is exact.
  return [ctx.emitOutput('Div', [ctx.emit('Sub', [a, remainder], info), b], info)];
};

const squaredDifference: OpMapper = (ctx) => {
  const info = binaryInfo(ctx);
  const difference = ctx.emit('Sub', [ctx.input(0), ctx.input(1)], info);
  return [ctx.emitOutput('Mul', [difference, difference], info)];
};

const square: OpMapper = (ctx) => [ctx.emitOutput('Mul', [ctx.input(0), ctx.input(0)], ctx.inputInfo(0))];

const rsqrt: OpMapper = (ctx) => {
  const info = ctx.inputInfo(0);
  return [ctx.emitOutput('Reciprocal', [ctx.emit('Sqrt', [ctx.input(0)], info)], info)];
};

const notEqual: OpMapper = (ctx) => {
  const info = binaryInfo(ctx, OnnxDataType.BOOL);
  return [ctx.emitOutput('Not', [ctx.emit('Equal', [ctx.input(0), ctx.input(1)], info)], info)];
};

const biasAdd: OpMapper = (ctx) => {
  requireChannelsLast(ctx);
  if (ctx.inputShape(1).length !== 1) ctx.fail('bias must be 1-D');
  return binary('Add')(ctx);
};

const select: OpMapper = (ctx) => {
  const [condition, a, b] = [ctx.inputInfo(0), ctx.inputInfo(1), ctx.inputInfo(2)];
  if (ctx.node.op === 'Select' && condition.shape?.length !== a.shape?.length) {
    ctx.fail('Select with a lower-rank condition is not supported (SelectV2 is)');
  }
  if (a.dataType !== b.dataType) ctx.fail('branches have different types');
  const shape = broadcastShapes(condition.shape, broadcastShapes(a.shape, b.shape));
  return [
    ctx.emitOutput('Where', [ctx.input(0), ctx.input(1), ctx.input(2)], { dataType: a.dataType, shape }),
  ];
};

export const elementwiseMappers: Record<string, OpMapper> = {
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: biasAdd,
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: floatOnly(binary('Div')),
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: floatOnly(binary('Pow')),
  SquaredDifference: squaredDifference,
  Neg: unary('Neg'),
  Abs: unary('Abs'),
  Exp: floatOnly(unary('Exp')),
  Log: floatOnly(unary('Log')),
  Sqrt: floatOnly(unary('Sqrt')),
  Rsqrt: floatOnly(rsqrt),
  Reciprocal: floatOnly(unary('Reciprocal')),
  Square: square,
  Floor: floatOnly(unary('Floor')),
  Ceil: floatOnly(unary('Ceil')),
  Round: floatOnly(unary('Round')),
  Equal: compare('Equal'),
  NotEqual: notEqual,
  Greater: compare('Greater'),
  GreaterEqual: compare('GreaterOrEqual'),
  Less: compare('Less'),
  LessEqual: compare('LessOrEqual'),
  LogicalAnd: binary('And'),
  LogicalOr: binary('Or'),
  LogicalNot: unary('Not'),
  Select: select,
  SelectV2: select,
};
