/**
 * The protobuf messages of `inference.GRPCInferenceService` as @grpc/proto-loader presents them with
 * PROTO_LOADER_OPTIONS: proto field names, int64/uint64 as decimal strings, bytes as Buffers, unset fields absent.
 */

/** `InferParameter`: one of its fields is set, named in `parameter_choice`. */
export interface InferParameterMessage {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: string | number;
  string_param?: string;
  double_param?: number;
  uint64_param?: string | number;
}

export type ParameterMap = Record<string, InferParameterMessage>;

/** `InferTensorContents`: the repeated field of the tensor's datatype. */
export interface TensorContentsMessage {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Array<string | number>;
  uint_contents?: number[];
  uint64_contents?: Array<string | number>;
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface TensorMessage {
  name?: string;
  datatype?: string;
  shape?: Array<string | number>;
  parameters?: ParameterMap;
  contents?: TensorContentsMessage;
}

export interface ModelInferRequestMessage {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: ParameterMap;
  inputs?: TensorMessage[];
  outputs?: Array<{ name?: string; parameters?: ParameterMap }>;
  raw_input_contents?: Uint8Array[];
}

export interface ModelInferResponseMessage {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: ParameterMap;
  outputs: TensorMessage[];
  raw_output_contents?: Uint8Array[];
}

export interface TensorMetadataMessage {
  name: string;
  datatype: string;
  shape: Array<string | number>;
}

export interface ModelMetadataResponseMessage {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadataMessage[];
  outputs: TensorMetadataMessage[];
  properties?: Record<string, string>;
}

export interface ServerMetadataResponseMessage {
  name: string;
  version: string;
  extensions: string[];
}

export interface RepositoryIndexResponseMessage {
  models: Array<{ name: string; version?: string; state: string; reason: string }>;
}

/** Requests that name a model: ModelReady, ModelMetadata (`name`) and KServe's load/unload (`model_name`). */
export interface ModelRequestMessage {
  name?: string;
  version?: string;
  model_name?: string;
}

export interface RepositoryIndexRequestMessage {
  repository_name?: string;
  ready?: boolean;
}
