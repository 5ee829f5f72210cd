import { OnnxDataType } from '../onnx/data-type.js';
import type { Dimension } from '../onnx/model.js';

export type Shape = readonly Dimension[];

export interface TensorInfo {
  dataType: OnnxDataType;
  /** null when even the rank is unknown. */
  shape: Shape | null;
}

export type ConstantValues = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface ConstantTensor {
  dataType: OnnxDataType;
  shape: readonly number[];
  values: ConstantValues;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export function isFullyKnown(shape: Shape | null): shape is readonly number[] {
  return shape?.every((dim) => dim !== null) ?? false;
}

/** NumPy-style broadcasting, as both TensorFlow and ONNX define it for elementwise ops. */
export function broadcastShapes(a: Shape | null, b: Shape | null): Shape | null {
  if (a === null || b === null) return null;
  const rank = Math.max(a.length, b.length);
  const out: Dimension[] = [];
  for (let i = 0; i < rank; i++) {
    // A missing leading dimension broadcasts as 1; an unknown one (null) stays unknown.
    const ia = a.length - rank + i;
    const ib = b.length - rank + i;
    const da = ia < 0 ? 1 : (a[ia] as Dimension);
    const db = ib < 0 ? 1 : (b[ib] as Dimension);
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null || db === null) out.push(da ?? db);
    else if (da === db) out.push(da);
    else throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  }
  return out;
}

export function constantToNumbers(constant: ConstantTensor): number[] {
  return Array.from(constant.values as ArrayLike<number | bigint>, Number);
}

export function constantBytes(constant: ConstantTensor): Uint8Array {
  const { values } = constant;
  if (constant.dataType === OnnxDataType.BOOL)
    return Uint8Array.from(values as Uint8Array, (v) => (v ? 1 : 0));
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}
