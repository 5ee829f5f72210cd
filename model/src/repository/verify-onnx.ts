import * as ort from 'onnxruntime-node';
import { elementCount } from '../convert/tensor-info.js';
import type { TensorSpec } from './model-config.js';

const ZERO_INPUTS: Readonly<
  Record<string, { type: ort.Tensor.Type; zeros: (size: number) => ort.Tensor['data'] }>
> = {
  FP32: { type: 'float32', zeros: (size) => new Float32Array(size) },
  INT32: { type: 'int32', zeros: (size) => new Int32Array(size) },
  INT64: { type: 'int64', zeros: (size) => new BigInt64Array(size) },
  UINT8: { type: 'uint8', zeros: (size) => new Uint8Array(size) },
};

/**
 * Loads a model in onnxruntime at graph-optimization level "all", runs it once on zeros, and checks
 * every output against the declared spec. Throws with the model name on any mismatch.
 */
export async function verifyOnnxModel(
  name: string,
  bytes: Uint8Array,
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
): Promise<void> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) {
      const dims = input.shape.map((dim) => (dim < 0 ? 1 : dim));
      const zeroInput = ZERO_INPUTS[input.datatype];
      if (!zeroInput)
        throw new Error(`${name}: cannot verify input "${input.name}" of type ${input.datatype}`);
      feeds[input.name] = new ort.Tensor(zeroInput.type, zeroInput.zeros(elementCount(dims)), dims);
    }
    const results = await session.run(feeds);
    for (const output of outputs) {
      const result = results[output.name];
      if (!result) throw new Error(`${name}: onnxruntime produced no output "${output.name}"`);
      const matches =
        result.dims.length === output.shape.length &&
        output.shape.every((dim, i) => dim < 0 || dim === result.dims[i]);
      if (!matches) {
        throw new Error(
          `${name}: output "${output.name}" has shape [${result.dims}] but the config says [${output.shape}]`,
        );
      }
    }
  } finally {
    await session.release();
  }
}

/** Deterministic, non-constant pixel-like values, so that every item of a batch differs. */
function probeValues(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.round((Math.sin(i * 0.37 + seed) + 1) * 127.5);
  return values;
}

/**
 * Checks that a model with a dynamic leading dimension answers a batch of each of `batchSizes` exactly (bit
 * for bit) as it answers each item alone. Throws with the first difference.
 */
export async function verifyBatching(
  name: string,
  bytes: Uint8Array,
  inputs: readonly TensorSpec[],
  batchSizes: readonly number[],
): Promise<void> {
  const [input, ...others] = inputs;
  if (!input || others.length > 0 || input.datatype !== 'FP32')
    throw new Error(`${name}: batching is verified for one FP32 input only`);
  if (input.shape[0] !== -1) throw new Error(`${name}: input "${input.name}" has no dynamic batch dimension`);
  const itemDims = input.shape.slice(1);
  if (itemDims.some((dim) => dim < 0)) throw new Error(`${name}: only the batch dimension may be dynamic`);
  const itemSize = elementCount(itemDims);
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    const largest = Math.max(...batchSizes);
    const items = Array.from({ length: largest }, (_, i) => probeValues(itemSize, i));
    const alone = [];
    for (const item of items)
      alone.push(await session.run({ [input.name]: new ort.Tensor('float32', item, [1, ...itemDims]) }));
    for (const size of batchSizes) {
      const batch = new Float32Array(itemSize * size);
      for (let i = 0; i < size; i++) batch.set(items[i]!, i * itemSize);
      const together = await session.run({
        [input.name]: new ort.Tensor('float32', batch, [size, ...itemDims]),
      });
      for (const output of session.outputNames) {
        const batched = together[output]!;
        if (batched.dims[0] !== size)
          throw new Error(`${name}: output "${output}" of a batch of ${size} has shape [${batched.dims}]`);
        for (let i = 0; i < size; i++) {
          const single = alone[i]![output]!.data as Float32Array;
          const slice = (batched.data as Float32Array).subarray(i * single.length, (i + 1) * single.length);
          const same =
            slice.length === single.length &&
            Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).equals(
              Buffer.from(single.buffer, single.byteOffset, single.byteLength),
            );
          if (!same)
            throw new Error(`${name}: item ${i} of a batch of ${size} differs from it alone in "${output}"`);
        }
      }
    }
  } finally {
    await session.release();
  }
}
