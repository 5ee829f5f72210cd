/**
 * Small ONNX graphs described briefly and serialised with the ONNX encoder: typed inputs and outputs,
 * float/int64 initializers and nodes with int/ints/float attributes. Used for the YOLO demo model and for
 * the model server's test graphs.
 */
import { OnnxDataType } from './data-type.js';
import { encodeOnnxModel } from './encode-model.js';
import type { OnnxAttributeValue, OnnxValueInfo } from './model.js';

export interface ValueSpec {
  name: string;
  type: OnnxDataType;
  /**
   * Numbers are fixed dimensions, strings are symbolic (dynamic) ones. The encoder names every dynamic
   * dimension itself (`<tensor>_dim<index>`), so the strings only mark a dimension as dynamic.
   */
  shape: Array<number | string>;
}

export interface InitializerSpec {
  name: string;
  type: typeof OnnxDataType.FLOAT | typeof OnnxDataType.INT64;
  dims: number[];
  values: number[];
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[] | { float: number }>;
}

export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: InitializerSpec[];
  nodes: NodeSpec[];
  opset?: number;
  /** `producer_name` of the model; `@detection/model` by default. */
  producer?: string;
  docString?: string;
}

const valueInfo = ({ name, type, shape }: ValueSpec): OnnxValueInfo => ({
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

const rawData = ({ type, values }: InitializerSpec): Uint8Array =>
  type === OnnxDataType.FLOAT
    ? new Uint8Array(Float32Array.from(values).buffer)
    : new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);

/** Serialises the graph as an ONNX model (IR 8, default opset 13). */
export function encodeGraphSpec(graph: GraphSpec): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: graph.opset ?? 13,
    producerName: graph.producer ?? '@detection/model',
    producerVersion: '',
    metadata: {},
    graph: {
      name: 'graph',
      ...(graph.docString && { docString: graph.docString }),
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
