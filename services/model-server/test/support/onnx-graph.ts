/**
 * Tiny ONNX test graphs, described briefly and serialised with the model package's ONNX encoder: typed
 * inputs and outputs, float/int64 initializers and nodes with int/ints/float attributes.
 */
import {
  encodeOnnxModel,
  type OnnxAttributeValue,
  OnnxDataType,
  type OnnxValueInfo,
} from '@detection/model/onnx';

/** `TensorProto.DataType` values from onnx.proto. */
export const ONNX_TYPES = OnnxDataType;

export interface ValueInfo {
  name: string;
  type: OnnxDataType;
  /**
   * Numbers are fixed dimensions, strings are symbolic (dynamic) ones. The encoder names every dynamic
   * dimension itself (`<tensor>_dim<index>`), so the strings only mark a dimension as dynamic.
   */
  shape: Array<number | string>;
}

export interface Initializer {
  name: string;
  type: typeof ONNX_TYPES.FLOAT | typeof ONNX_TYPES.INT64;
  dims: number[];
  values: number[];
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[] | { float: number }>;
}

export interface Graph {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  nodes: Node[];
  opset?: number;
}

const valueInfo = ({ name, type, shape }: ValueInfo): OnnxValueInfo => ({
  name,
  dataType: type,
  shape: shape.map((dim) => (typeof dim === 'number' ? dim : null)),
});

const attribute = (value: number | number[] | { float: number }): OnnxAttributeValue =>
  typeof value === 'number'
    ? { type: 'int', value }
    : Array.isArray(value)
      ? { type: 'ints', value }
      : { type: 'float', value: value.float };

const rawData = ({ type, values }: Initializer): Uint8Array =>
  type === ONNX_TYPES.FLOAT
    ? new Uint8Array(Float32Array.from(values).buffer)
    : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);

/** Serialises the graph as an ONNX model (IR 8, default opset 13). */
export function onnxModel(graph: Graph): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: graph.opset ?? 13,
    producerName: 'model-server-tests',
    producerVersion: '',
    metadata: {},
    graph: {
      name: 'test-graph',
      nodes: graph.nodes.map((node, index) => ({
        name: `${node.op}_${index}`,
        opType: node.op,
        inputs: node.inputs,
        outputs: node.outputs,
        attributes: Object.fromEntries(
          Object.entries(node.attributes ?? {}).map(([name, value]) => [name, attribute(value)]),
        ),
      })),
      initializers: (graph.initializers ?? []).map((init) => ({
        name: init.name,
        dataType: init.type,
        dims: init.dims,
        rawData: rawData(init),
      })),
      inputs: graph.inputs.map(valueInfo),
      outputs: graph.outputs.map(valueInfo),
      valueInfo: [],
    },
  });
}
