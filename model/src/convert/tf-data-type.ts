import { OnnxDataType } from '../onnx/data-type.js';

const TF_TO_ONNX: Readonly<Record<string, OnnxDataType>> = {
  DT_FLOAT: OnnxDataType.FLOAT,
  DT_DOUBLE: OnnxDataType.DOUBLE,
  DT_INT32: OnnxDataType.INT32,
  DT_INT64: OnnxDataType.INT64,
  DT_BOOL: OnnxDataType.BOOL,
  DT_UINT8: OnnxDataType.UINT8,
  DT_INT8: OnnxDataType.INT8,
  DT_INT16: OnnxDataType.INT16,
  DT_UINT16: OnnxDataType.UINT16,
  DT_HALF: OnnxDataType.FLOAT16,
};

export function onnxTypeFromTf(tfType: string): OnnxDataType {
  const type = TF_TO_ONNX[tfType];
  if (type === undefined) throw new Error(`TensorFlow dtype ${tfType} has no ONNX equivalent here`);
  return type;
}
