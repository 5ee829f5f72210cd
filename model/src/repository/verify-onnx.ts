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
