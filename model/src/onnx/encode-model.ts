import type {
  OnnxAttributeValue,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './model.js';
import { ProtobufWriter } from './protobuf-writer.js';

// Field numbers and enum values below are those of onnx/onnx.proto (ONNX IR).
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** Serialises a model to the ONNX protobuf wire format (a `ModelProto`). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const writer = new ProtobufWriter();
  writer.int64(1, model.irVersion);
  writer.string(2, model.producerName);
  writer.string(3, model.producerVersion);
  if (model.docString) writer.string(6, model.docString);
  writer.message(7, (graph) => writeGraph(graph, model.graph));
  writer.message(8, (opset) => opset.string(1, '').int64(2, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata)) {
    writer.message(14, (entry) => entry.string(1, key).string(2, value));
  }
  return writer.finish();
}

function writeGraph(writer: ProtobufWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) writer.message(1, (w) => writeNode(w, node));
  writer.string(2, graph.name);
  for (const tensor of graph.initializers) writer.message(5, (w) => writeTensor(w, tensor));
  if (graph.docString) writer.string(10, graph.docString);
  for (const input of graph.inputs) writer.message(11, (w) => writeValueInfo(w, input));
  for (const output of graph.outputs) writer.message(12, (w) => writeValueInfo(w, output));
  for (const info of graph.valueInfo) writer.message(13, (w) => writeValueInfo(w, info));
}

function writeNode(writer: ProtobufWriter, node: OnnxNode): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name);
  writer.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes)) {
    writer.message(5, (w) => writeAttribute(w, name, attribute));
  }
}

function writeAttribute(writer: ProtobufWriter, name: string, attribute: OnnxAttributeValue): void {
  writer.string(1, name);
  switch (attribute.type) {
    case 'float':
      writer.float(2, attribute.value).int32(20, AttributeType.FLOAT);
      break;
    case 'int':
      writer.int64(3, attribute.value).int32(20, AttributeType.INT);
      break;
    case 'string':
      writer.string(4, attribute.value).int32(20, AttributeType.STRING);
      break;
    case 'floats':
      writer.packedFloat(7, attribute.value).int32(20, AttributeType.FLOATS);
      break;
    case 'ints':
      writer.packedInt64(8, attribute.value).int32(20, AttributeType.INTS);
      break;
  }
}

function writeTensor(writer: ProtobufWriter, tensor: OnnxTensor): void {
  if (tensor.dims.length > 0) writer.packedInt64(1, tensor.dims);
  writer.int32(2, tensor.dataType);
  writer.string(8, tensor.name);
  writer.bytes(9, tensor.rawData);
}

function writeValueInfo(writer: ProtobufWriter, info: OnnxValueInfo): void {
  writer.string(1, info.name);
  writer.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int32(1, info.dataType);
      const shape = info.shape;
      if (shape) {
        tensorType.message(2, (shapeWriter) => {
          for (const [index, dim] of shape.entries()) {
            shapeWriter.message(1, (dimension) =>
              dim === null ? dimension.string(2, `${info.name}_dim${index}`) : dimension.int64(1, dim),
            );
          }
        });
      }
    }),
  );
}
