/** The parts of a TensorFlow.js graph-model `model.json` that the converter reads. */

export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: TfTensorShape;
  list?: { s?: string[]; i?: Array<string | number>; f?: number[]; b?: boolean[]; type?: string[] };
  tensor?: unknown;
  func?: unknown;
}

export interface TfTensorShape {
  dim?: Array<{ size?: string | number }>;
  unknownRank?: boolean;
}

export interface TfNodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
  device?: string;
}

export interface TfSignatureTensor {
  name: string;
  dtype?: string;
  tensorShape?: TfTensorShape;
}

export interface TfSignature {
  inputs?: Record<string, TfSignatureTensor>;
  outputs?: Record<string, TfSignatureTensor>;
}

export interface TfWeightQuantization {
  dtype: 'float16' | 'uint8' | 'uint16';
  scale?: number;
  min?: number;
  original_dtype?: string;
}

export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: TfWeightQuantization;
}

export interface TfWeightGroup {
  paths: string[];
  weights: TfWeightSpec[];
}

export interface TfGraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: TfSignature | null;
  userDefinedMetadata?: { signature?: TfSignature } & Record<string, unknown>;
  modelTopology: {
    node: TfNodeDef[];
    library?: { function?: unknown[] };
    versions?: unknown;
  };
  weightsManifest: TfWeightGroup[];
}
