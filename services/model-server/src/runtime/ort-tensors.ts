import type * as ort from 'onnxruntime-node';
import type { TensorDatatype, TensorSpec } from '../inference/types.js';
import type { RuntimeTensor } from './model-runtime.js';

const ORT_TYPES: Readonly<Record<TensorDatatype, ort.Tensor.Type>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const DATATYPES = new Map(
  Object.entries(ORT_TYPES).map(([datatype, type]) => [type, datatype as TensorDatatype]),
);

export function datatypeOf(type: string): TensorDatatype {
  const datatype = DATATYPES.get(type as ort.Tensor.Type);
  if (!datatype) throw new Error(`onnxruntime type "${type}" has no Open Inference Protocol datatype`);
  return datatype;
}

export function specOf(metadata: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!metadata.isTensor) throw new Error(`"${metadata.name}" is not a tensor`);
  return {
    name: metadata.name,
    datatype: datatypeOf(metadata.type),
    shape: metadata.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)),
  };
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

export function toOrtTensor(Tensor: typeof ort.Tensor, tensor: RuntimeTensor): ort.Tensor {
  if (tensor.datatype === 'BYTES') {
    const strings = (tensor.data as Uint8Array[]).map((bytes) => utf8.decode(bytes));
    return new Tensor('string', strings, tensor.dims);
  }
  return new Tensor(ORT_TYPES[tensor.datatype], tensor.data as ort.Tensor.DataType, tensor.dims);
}

export function fromOrtTensor(tensor: ort.Tensor): RuntimeTensor {
  const datatype = datatypeOf(tensor.type);
  const data =
    datatype === 'BYTES'
      ? (tensor.data as string[]).map((value) => encoder.encode(value))
      : (tensor.data as RuntimeTensor['data']);
  return { datatype, dims: [...tensor.dims], data };
}
