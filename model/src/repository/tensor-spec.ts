import { OnnxDataType } from '../onnx/data-type.js';
import type { OnnxValueInfo } from '../onnx/model.js';
import type { TensorDatatype, TensorSpec } from './model-config.js';

const OIP_DATATYPES: Readonly<Partial<Record<OnnxDataType, TensorDatatype>>> = {
  [OnnxDataType.FLOAT]: 'FP32',
  [OnnxDataType.DOUBLE]: 'FP64',
  [OnnxDataType.FLOAT16]: 'FP16',
  [OnnxDataType.INT8]: 'INT8',
  [OnnxDataType.INT16]: 'INT16',
  [OnnxDataType.INT32]: 'INT32',
  [OnnxDataType.INT64]: 'INT64',
  [OnnxDataType.UINT8]: 'UINT8',
  [OnnxDataType.UINT16]: 'UINT16',
  [OnnxDataType.UINT32]: 'UINT32',
  [OnnxDataType.UINT64]: 'UINT64',
  [OnnxDataType.BOOL]: 'BOOL',
  [OnnxDataType.STRING]: 'BYTES',
};

/** An ONNX graph input/output as an Open Inference Protocol tensor spec (-1 for dynamic dimensions). */
export function tensorSpecOf(info: OnnxValueInfo): TensorSpec {
  const datatype = OIP_DATATYPES[info.dataType];
  if (!datatype)
    throw new Error(`tensor "${info.name}" has ONNX type ${info.dataType}, which has no OIP datatype`);
  if (!info.shape) throw new Error(`tensor "${info.name}" has an unknown rank`);
  return { name: info.name, datatype, shape: info.shape.map((dim) => dim ?? -1) };
}
