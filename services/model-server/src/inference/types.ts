import type { TensorDatatype, TensorSpec } from '@detection/model/config';

export type { TensorDatatype, TensorSpec };

/** Element storage per datatype: FP16 as raw half-precision bits, BOOL as 0/1 bytes, BYTES as one byte string per element. */
export type NumericTensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;
export type TensorData = NumericTensorData | Uint8Array[];

export type ParameterValue = string | number | boolean | readonly string[];
export type Parameters = Record<string, ParameterValue>;

/** A tensor as the data plane sees it, independent of REST/JSON/binary/gRPC encodings. */
export interface InferTensor {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
  data: TensorData;
  parameters?: Parameters;
}

export interface RequestedOutput {
  name: string;
  parameters?: Parameters;
}

export interface InferRequest {
  id?: string;
  parameters: Parameters;
  inputs: InferTensor[];
  /** Absent: every output of the model. */
  outputs?: RequestedOutput[];
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id?: string;
  parameters?: Parameters;
  outputs: InferTensor[];
}

/** Milliseconds spent in each stage of one inference request. */
export interface StageTimings {
  queue: number;
  preprocess: number;
  inference: number;
  postprocess: number;
  /** Items in the session run that computed this request (1 unless dynamic batching joined it with others). */
  batchSize?: number;
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  properties?: Record<string, string>;
}
