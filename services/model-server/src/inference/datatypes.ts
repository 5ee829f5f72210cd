import type { NumericTensorData, TensorData, TensorDatatype } from './types.js';

type NumericDatatype = Exclude<TensorDatatype, 'BYTES'>;

interface NumericArrayConstructor {
  new (length: number): NumericTensorData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericTensorData;
  readonly BYTES_PER_ELEMENT: number;
}

/** Storage of each fixed-size datatype (little-endian, as the binary tensor extension requires). */
export const NUMERIC_STORAGE: Readonly<Record<NumericDatatype, NumericArrayConstructor>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

export function isBytesData(data: TensorData): data is Uint8Array[] {
  return Array.isArray(data);
}

/** Copies `bytes` (any alignment) into a fresh typed array of the datatype's storage. */
export function numericFromBytes(datatype: NumericDatatype, bytes: Uint8Array): NumericTensorData {
  const Storage = NUMERIC_STORAGE[datatype];
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Storage(copy.buffer, 0, bytes.byteLength / Storage.BYTES_PER_ELEMENT);
}

export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const float32View = new Float32Array(1);
const uint32View = new Uint32Array(float32View.buffer);

/** IEEE 754 half precision, round to nearest even. */
export function floatToHalf(value: number): number {
  float32View[0] = value;
  const x = uint32View[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (remainder > midpoint || (remainder === midpoint && half & 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && half & 1)) half += 1;
  return sign | half;
}
