import { OnnxDataType } from '../../onnx/data-type.js';
import type { Dimension } from '../../onnx/model.js';
import type { OpContext } from '../op-context.js';
import { elementCount, isFullyKnown } from '../tensor-info.js';

/** `target` with its -1 resolved for `elements` elements; null when it cannot hold exactly that many. */
function resolveTarget(target: readonly number[], elements: number): number[] | null {
  if (target.includes(0)) return null;
  const inferred = target.indexOf(-1);
  const known = target.reduce((product, dim, index) => (index === inferred ? product : product * dim), 1);
  if (inferred === -1) return known === elements ? [...target] : null;
  if (elements % known !== 0) return null;
  return target.map((dim, index) => (index === inferred ? elements / known : dim));
}

function sameDims(a: readonly Dimension[], b: readonly Dimension[]): boolean {
  return a.length === b.length && a.every((dim, i) => dim === b[i]);
}

/**
 * A TensorFlow.js graph is frozen at batch 1, so its reshape targets carry that 1 (or fold it into the next
 * dimension). With a dynamic batch, such a reshape becomes one that keeps the batch dimension ([1, ...] →
 * [0, ...]), or one that merges it and remembers the batched view (a later batch-1 reshape, or a gather along
 * the merged dimension, uses the view). Null when the reshape does not involve the batch dimension.
 */
export function reshapeWithBatch(ctx: OpContext, target: readonly number[]): string[] | null {
  const builder = ctx.builder;
  if (!builder.dynamicBatch) return null;
  const dataType = ctx.inputType(0);
  const merged = builder.batchMergedSource(ctx.input(0));
  if (merged) {
    const batched = builder.info(merged).shape ?? [];
    if (target[0] === 1 && sameDims(target.slice(1), batched.slice(1))) {
      return [ctx.emitOutput('Identity', [merged], builder.info(merged))];
    }
    ctx.fail(`reshape of a batch-merged tensor to [${target.join(', ')}] cannot keep the batch apart`);
  }
  const input = ctx.inputShape(0);
  const rest = input.slice(1);
  if (input[0] !== null || input.length === 0 || !isFullyKnown(rest)) return null;
  const resolved = resolveTarget(target, elementCount(rest));
  if (!resolved) ctx.fail(`cannot reshape one item of [batch, ${rest.join(', ')}] to [${target.join(', ')}]`);
  const [leading, ...tail] = resolved as [number, ...number[]];
  if (leading === 1) {
    const shape = builder.int64Initializer(`${ctx.node.name}/batch_shape`, [0, ...tail]);
    return [
      ctx.emitOutput(
        'Reshape',
        [ctx.input(0), shape],
        { dataType, shape: [null, ...tail] },
        { allowzero: 0 },
      ),
    ];
  }
  const viewShape = builder.int64Initializer(`${ctx.node.name}/batched_shape`, [0, leading, ...tail]);
  const view = ctx.emit(
    'Reshape',
    [ctx.input(0), viewShape],
    { dataType, shape: [null, leading, ...tail] },
    { allowzero: 0 },
  );
  const flatShape = builder.int64Initializer(`${ctx.node.name}/shape`, [-1, ...tail]);
  const output = ctx.emitOutput('Reshape', [view, flatShape], { dataType, shape: [null, ...tail] });
  builder.markBatchMerged(output, view);
  return [output];
}

/**
 * TensorFlow's batch_gather frozen at batch 1: gather rows of a batch-merged [batch·n, ...] tensor with
 * batch-merged [batch·k] indices that count within one item. Becomes GatherND with batch_dims=1.
 */
export function gatherWithBatch(ctx: OpContext, axis: number): string[] | null {
  const builder = ctx.builder;
  if (!builder.dynamicBatch) return null;
  const data = builder.batchMergedSource(ctx.input(0));
  const indices = builder.batchMergedSource(ctx.input(1));
  if (!data && !indices) return null;
  if (!data || !indices || axis !== 0) ctx.fail('a gather across the batch dimension is not supported');
  const dataShape = builder.info(data).shape ?? [];
  const indexShape = builder.info(indices).shape ?? [];
  if (indexShape.length !== 2) ctx.fail('batch-merged gather indices must come from a [batch, k] tensor');
  const dataType = ctx.inputType(0);
  const int64 = ctx.emit(
    'Cast',
    [indices],
    { dataType: OnnxDataType.INT64, shape: indexShape },
    { to: OnnxDataType.INT64 },
  );
  const axes = builder.int64Initializer(`${ctx.node.name}/index_axes`, [2]);
  const expanded = ctx.emit('Unsqueeze', [int64, axes], {
    dataType: OnnxDataType.INT64,
    shape: [...indexShape, 1],
  });
  const tail = dataShape.slice(2);
  const gathered = ctx.emit(
    'GatherND',
    [data, expanded],
    { dataType, shape: [null, indexShape[1] ?? null, ...tail] },
    { batch_dims: 1 },
  );
  if (!isFullyKnown(tail)) ctx.fail('batch-merged gather needs known row dimensions');
  const flatShape = builder.int64Initializer(`${ctx.node.name}/shape`, [-1, ...tail]);
  const output = ctx.emitOutput('Reshape', [gathered, flatShape], { dataType, shape: [null, ...tail] });
  builder.markBatchMerged(output, gathered);
  return [output];
}
