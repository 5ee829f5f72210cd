import type { OnnxDataType } from './data-type.js';

/** A dimension is a fixed size, or null when it is only known at run time. */
export type Dimension = number | null;

export interface OnnxTensor {
  name: string;
  dataType: OnnxDataType;
  dims: readonly number[];
  /** Little-endian element bytes, exactly as `TensorProto.raw_data` stores them. */
  rawData: Uint8Array;
}

export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] };

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, OnnxAttributeValue>>;
}

export interface OnnxValueInfo {
  name: string;
  dataType: OnnxDataType;
  shape: readonly Dimension[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  valueInfo: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata: Readonly<Record<string, string>>;
  graph: OnnxGraph;
}
