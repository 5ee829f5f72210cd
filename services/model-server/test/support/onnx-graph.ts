/** The test graphs' vocabulary: the model package's graph descriptions (`@detection/model/onnx`). */
import { encodeGraphSpec, type GraphSpec, OnnxDataType } from '@detection/model/onnx';

export type {
  GraphSpec as Graph,
  InitializerSpec as Initializer,
  NodeSpec as Node,
  ValueSpec as ValueInfo,
} from '@detection/model/onnx';

/** `TensorProto.DataType` values from onnx.proto. */
export const ONNX_TYPES = OnnxDataType;

export function onnxModel(graph: GraphSpec): Uint8Array {
  return encodeGraphSpec({ producer: 'model-server-tests', ...graph });
}
