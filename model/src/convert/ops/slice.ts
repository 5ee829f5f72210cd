import type { Dimension } from '../../onnx/model.js';
import type { OpContext } from '../op-context.js';
import type { OpMapper } from './op-mapper.js';

// ONNX Slice clamps starts/ends into range, so "to the end" in either direction is any huge value.
const TO_END = Number.MAX_SAFE_INTEGER;

interface AxisSlice {
  axis: number;
  start: number;
  end: number;
  step: number;
}

/** Length of a Python-style slice of a dimension of size `dim`. */
function sliceLength(dim: number, start: number, end: number, step: number): number {
  const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);
  const normalise = (value: number) => (value < 0 ? value + dim : value);
  if (step > 0) {
    const s = clamp(normalise(start), 0, dim);
    const e = clamp(normalise(end), 0, dim);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = clamp(normalise(start), -1, dim - 1);
  const e = clamp(normalise(end), -1, dim - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

function emitSlice(ctx: OpContext, input: string, slices: readonly AxisSlice[], isFinal: boolean): string {
  const info = ctx.builder.info(input);
  const shape: Dimension[] = [...(info.shape ?? [])];
  for (const { axis, start, end, step } of slices) {
    const dim = shape[axis];
    shape[axis] = dim === null || dim === undefined ? null : sliceLength(dim, start, end, step);
  }
  const outInfo = { dataType: info.dataType, shape };
  if (slices.length === 0) return isFinal ? ctx.emitOutput('Identity', [input], outInfo) : input;
  const name = ctx.node.name;
  const inputs = [
    input,
    ctx.builder.int64Initializer(
      `${name}/starts`,
      slices.map((s) => s.start),
    ),
    ctx.builder.int64Initializer(
      `${name}/ends`,
      slices.map((s) => s.end),
    ),
    ctx.builder.int64Initializer(
      `${name}/axes`,
      slices.map((s) => s.axis),
    ),
    ctx.builder.int64Initializer(
      `${name}/steps`,
      slices.map((s) => s.step),
    ),
  ];
  return isFinal ? ctx.emitOutput('Slice', inputs, outInfo) : ctx.emit('Slice', inputs, outInfo);
}

const bit = (mask: number, index: number) => (mask & (1 << index)) !== 0;

const stridedSlice: OpMapper = (ctx) => {
  const rank = ctx.inputShape(0).length;
  const begin = ctx.constantNumbers(1, 'begin');
  const end = ctx.constantNumbers(2, 'end');
  const strides = ctx.constantNumbers(3, 'strides');
  if (begin.length !== end.length || begin.length !== strides.length)
    ctx.fail('begin, end and strides differ in length');
  const beginMask = ctx.attrs.int('begin_mask', 0);
  const endMask = ctx.attrs.int('end_mask', 0);
  const ellipsisMask = ctx.attrs.int('ellipsis_mask', 0);
  const newAxisMask = ctx.attrs.int('new_axis_mask', 0);
  const shrinkMask = ctx.attrs.int('shrink_axis_mask', 0);
  if ((ellipsisMask & (ellipsisMask - 1)) !== 0) ctx.fail('more than one ellipsis');

  const specLength = begin.length;
  const realEntries = Array.from({ length: specLength }, (_, i) => i).filter(
    (i) => !bit(ellipsisMask, i) && !bit(newAxisMask, i),
  ).length;
  if (realEntries > rank) ctx.fail(`slices ${realEntries} dimensions of a rank-${rank} input`);

  const slices: AxisSlice[] = [];
  const shrinkAxes: number[] = [];
  // The output's axes in order: a sliced input axis that is kept, or a new unit axis.
  const layout: Array<'kept' | 'new'> = [];
  let axis = 0;
  const keepFull = (count: number) => {
    for (let k = 0; k < count; k++, axis++) layout.push('kept');
  };
  for (let i = 0; i < specLength; i++) {
    if (bit(ellipsisMask, i)) {
      keepFull(rank - realEntries);
      continue;
    }
    if (bit(newAxisMask, i)) {
      if (bit(shrinkMask, i)) ctx.fail(`entry ${i} is both a new axis and a shrink axis`);
      layout.push('new');
      continue;
    }
    const step = strides[i]!;
    if (step === 0) ctx.fail(`stride ${i} is 0`);
    if (bit(shrinkMask, i)) {
      const start = begin[i]!;
      slices.push({ axis, start, end: start === -1 ? TO_END : start + 1, step: 1 });
      shrinkAxes.push(axis);
    } else {
      const start = bit(beginMask, i) ? (step > 0 ? 0 : TO_END) : begin[i]!;
      const stop = bit(endMask, i) ? (step > 0 ? TO_END : -TO_END) : end[i]!;
      const dim = ctx.inputShape(0)[axis];
      const isFullRange = step === 1 && start === 0 && (stop === TO_END || (dim !== null && stop >= dim!));
      if (!isFullRange) slices.push({ axis, start, end: stop, step });
      layout.push('kept');
    }
    axis++;
  }
  keepFull(rank - axis);

  const hasReshape = shrinkAxes.length > 0 || layout.includes('new');
  let result = emitSlice(ctx, ctx.input(0), slices, !hasReshape);
  if (!hasReshape) return [result];

  const sliced = ctx.builder.info(result);
  const keptShape = (sliced.shape ?? []).filter((_, a) => !shrinkAxes.includes(a));
  const newAxes = layout.flatMap((entry, position) => (entry === 'new' ? [position] : []));
  if (shrinkAxes.length > 0) {
    const axes = ctx.builder.int64Initializer(`${ctx.node.name}/squeeze_axes`, shrinkAxes);
    const info = { dataType: sliced.dataType, shape: keptShape };
    result =
      newAxes.length > 0
        ? ctx.emit('Squeeze', [result, axes], info)
        : ctx.emitOutput('Squeeze', [result, axes], info);
  }
  if (newAxes.length > 0) {
    let kept = 0;
    const finalShape = layout.map((entry) => (entry === 'new' ? 1 : (keptShape[kept++] ?? null)));
    const axes = ctx.builder.int64Initializer(`${ctx.node.name}/new_axes`, newAxes);
    result = ctx.emitOutput('Unsqueeze', [result, axes], { dataType: sliced.dataType, shape: finalShape });
  }
  return [result];
};

const slice: OpMapper = (ctx) => {
  const begin = ctx.constantNumbers(1, 'begin');
  const size = ctx.constantNumbers(2, 'size');
  if (begin.length !== ctx.inputShape(0).length || size.length !== begin.length) {
    ctx.fail('begin and size must have one entry per input dimension');
  }
  const slices = begin.map((start, axis) => ({
    axis,
    start,
    end: size[axis] === -1 ? TO_END : start + size[axis]!,
    step: 1,
  }));
  return [emitSlice(ctx, ctx.input(0), slices, true)];
};

export const sliceMappers: Record<string, OpMapper> = {
  StridedSlice: stridedSlice,
  Slice: slice,
};
