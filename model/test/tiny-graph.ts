import { elementCount } from '../src/convert/tensor-info.js';
import type { TfAttrValue, TfGraphModelJson, TfNodeDef, TfWeightSpec } from '../src/tfjs/graph-model-json.js';
import type { TfGraphModel } from '../src/tfjs/load-graph-model.js';
import { decodeWeights, type TfDataType } from '../src/tfjs/weights.js';

export type TfDtype = TfDataType;

const TF_TYPES: Record<TfDtype, string> = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL' };

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Builders for TensorFlow `AttrValue`s in the protobuf-JSON form that graph-model files use. */
export const attr = {
  i: (value: number): TfAttrValue => ({ i: String(value) }),
  f: (value: number): TfAttrValue => ({ f: value }),
  b: (value: boolean): TfAttrValue => ({ b: value }),
  s: (value: string): TfAttrValue => ({ s: base64(value) }),
  type: (dtype: TfDtype): TfAttrValue => ({ type: TF_TYPES[dtype] }),
  ints: (values: number[]): TfAttrValue => ({ list: { i: values.map(String) } }),
  strings: (values: string[]): TfAttrValue => ({ list: { s: values.map(base64) } }),
  shape: (dims: number[]): TfAttrValue => ({ shape: { dim: dims.map((size) => ({ size: String(size) })) } }),
};

export interface GraphInput {
  name: string;
  dtype: TfDtype;
  shape: number[];
}

/** A small TensorFlow.js graph model assembled in memory, for per-op tests. */
export class TinyGraph {
  readonly nodes: TfNodeDef[] = [];
  readonly inputs: GraphInput[] = [];
  readonly #weights: Array<{ spec: TfWeightSpec; bytes: Uint8Array }> = [];

  input(name: string, shape: number[], dtype: TfDtype = 'float32'): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: attr.type(dtype), shape: attr.shape(shape) } });
    this.inputs.push({ name, dtype, shape });
    return name;
  }

  constant(name: string, values: ArrayLike<number>, shape: number[], dtype: TfDtype = 'float32'): string {
    const count = elementCount(shape);
    if (values.length !== count)
      throw new Error(`constant ${name}: ${values.length} values for shape [${shape}]`);
    const bytes =
      dtype === 'bool'
        ? Uint8Array.from(values, (v) => (v ? 1 : 0))
        : new Uint8Array((dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values)).buffer);
    this.nodes.push({ name, op: 'Const', attr: { dtype: attr.type(dtype), value: {} } });
    this.#weights.push({ spec: { name, shape, dtype }, bytes });
    return name;
  }

  node(op: string, name: string, inputs: string[], attrs: Record<string, TfAttrValue> = {}): string {
    this.nodes.push({ name, op, input: inputs, attr: attrs });
    return name;
  }

  toGraphModel(): TfGraphModel {
    const weightData = Buffer.concat(this.#weights.map((w) => w.bytes));
    const specs = this.#weights.map((w) => w.spec);
    const json: TfGraphModelJson = {
      format: 'graph-model',
      generatedBy: 'tiny-graph',
      convertedBy: 'tiny-graph',
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    };
    return { json, weights: decodeWeights(specs, weightData), weightData, files: [] };
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomValues(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => low + (high - low) * random());
}
