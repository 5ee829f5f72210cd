import type { TfWeightSpec } from './graph-model-json.js';

export type TfDataType = 'float32' | 'int32' | 'bool';

export interface TfConstant {
  dtype: TfDataType;
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

export class WeightFormatError extends Error {
  override name = 'WeightFormatError';
}

/**
 * Decodes the concatenated weight shards of a graph model into typed arrays, undoing
 * float16 and affine uint8/uint16 quantization the same way tfjs-core's `decodeWeights` does.
 */
export function decodeWeights(specs: readonly TfWeightSpec[], data: Uint8Array): Map<string, TfConstant> {
  const weights = new Map<string, TfConstant>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((product, dim) => product * dim, 1);
    const dtype = checkDtype(spec);
    const stored = spec.quantization?.dtype ?? dtype;
    const bytesPerElement = storedBytes(stored, spec.name);
    const byteLength = count * bytesPerElement;
    if (offset + byteLength > data.byteLength) {
      throw new WeightFormatError(
        `weight "${spec.name}" needs bytes ${offset}..${offset + byteLength} but the shards hold ${data.byteLength}`,
      );
    }
    const bytes = data.subarray(offset, offset + byteLength);
    offset += byteLength;
    weights.set(spec.name, {
      dtype,
      shape: [...spec.shape],
      values: decodeValues(spec, dtype, bytes, count),
    });
  }
  if (offset !== data.byteLength) {
    throw new WeightFormatError(
      `weights manifest describes ${offset} bytes but the shards hold ${data.byteLength}`,
    );
  }
  return weights;
}

function checkDtype(spec: TfWeightSpec): TfDataType {
  if (spec.dtype === 'float32' || spec.dtype === 'int32' || spec.dtype === 'bool') return spec.dtype;
  throw new WeightFormatError(`weight "${spec.name}" has unsupported dtype "${spec.dtype}"`);
}

function storedBytes(stored: string, name: string): number {
  switch (stored) {
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'uint16':
      return 2;
    case 'uint8':
    case 'bool':
      return 1;
    default:
      throw new WeightFormatError(`weight "${name}" uses unsupported quantization dtype "${stored}"`);
  }
}

function decodeValues(
  spec: TfWeightSpec,
  dtype: TfDataType,
  bytes: Uint8Array,
  count: number,
): Float32Array | Int32Array | Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const quantization = spec.quantization;
  if (!quantization) {
    if (dtype === 'bool') return Uint8Array.from(bytes, (byte) => (byte ? 1 : 0));
    const out = dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = dtype === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
    }
    return out;
  }
  if (quantization.dtype === 'float16') {
    if (dtype !== 'float32') {
      throw new WeightFormatError(`weight "${spec.name}" is float16-quantized but its dtype is ${dtype}`);
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
    return out;
  }
  const { scale, min } = quantization;
  if (scale === undefined || min === undefined) {
    throw new WeightFormatError(
      `weight "${spec.name}" is ${quantization.dtype}-quantized without scale and min`,
    );
  }
  const read =
    quantization.dtype === 'uint8'
      ? (i: number) => view.getUint8(i)
      : (i: number) => view.getUint16(i * 2, true);
  if (dtype === 'bool')
    throw new WeightFormatError(`weight "${spec.name}" is a quantized bool, which tfjs never writes`);
  const out = dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const value = read(i) * scale + min;
    out[i] = dtype === 'int32' ? Math.round(value) : value;
  }
  return out;
}

/** IEEE 754 binary16 to binary32, exact for every value including subnormals, infinities and NaN. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
