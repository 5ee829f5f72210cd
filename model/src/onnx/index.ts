/** The ONNX model description and its protobuf encoder, for other packages (`@detection/model/onnx`). */
export { OnnxDataType } from './data-type.js';
export { encodeOnnxModel } from './encode-model.js';
export {
  encodeGraphSpec,
  type GraphSpec,
  type InitializerSpec,
  type NodeSpec,
  type ValueSpec,
} from './graph-spec.js';
export type {
  Dimension,
  OnnxAttributeValue,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './model.js';
