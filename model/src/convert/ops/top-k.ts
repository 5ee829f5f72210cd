import { OnnxDataType } from '../../onnx/data-type.js';
import type { Dimension } from '../../onnx/model.js';
import type { OpContext } from '../op-context.js';
import type { OpMapper } from './op-mapper.js';

const topKV2: OpMapper = (ctx: OpContext) => {
  const shape = ctx.inputShape(0);
  if (shape.length === 0) ctx.fail('input must have at least one dimension');
  const [k] = ctx.constantNumbers(1, 'k');
  if (k === undefined || !Number.isInteger(k) || k < 0)
    ctx.fail(`k must be a non-negative integer, got ${k}`);
  const last = shape[shape.length - 1];
  if (last !== null && last !== undefined && k > last) ctx.fail(`k=${k} exceeds the last dimension ${last}`);
  const outShape: Dimension[] = [...shape.slice(0, -1), k];
  const kName = ctx.builder.int64Initializer(`${ctx.node.name}/k`, [k]);
  const values = ctx.outputName(0);
  const indices64 = ctx.builder.uniqueName(`${ctx.node.name}/indices_int64`);
  ctx.builder.reserveName(values);
  // Sorted descending with ties resolved to the lower index, as TensorFlow's TopKV2 returns them.
  ctx.builder.addNode(
    'TopK',
    [ctx.input(0), kName],
    [
      { name: values, info: { dataType: ctx.inputType(0), shape: outShape } },
      { name: indices64, info: { dataType: OnnxDataType.INT64, shape: outShape } },
    ],
    { axis: -1, largest: 1, sorted: 1 },
  );
  // ONNX TopK returns int64 indices; TensorFlow's are int32 and later ops expect int32 operands.
  const indices = ctx.emitOutput(
    'Cast',
    [indices64],
    { dataType: OnnxDataType.INT32, shape: outShape },
    { to: OnnxDataType.INT32 },
    1,
  );
  return [values, indices];
};

export const topKMappers: Record<string, OpMapper> = {
  TopKV2: topKV2,
};
