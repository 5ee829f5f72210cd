import { OnnxDataType } from '../onnx/data-type.js';
import type { OnnxAttributeValue, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from '../onnx/model.js';
import { type ConstantTensor, constantBytes, type TensorInfo } from './tensor-info.js';

export type AttributeInput = number | string | readonly number[] | OnnxAttributeValue;
export type Attributes = Readonly<Record<string, AttributeInput | undefined>>;

/**
 * Accumulates ONNX nodes and initializers while tracking the data type and static shape of every
 * tensor name it hands out, so that mappers can reason about shapes without running the graph.
 */
export class OnnxGraphBuilder {
  readonly #nodes: OnnxNode[] = [];
  readonly #initializers: OnnxTensor[] = [];
  readonly #inputs: OnnxValueInfo[] = [];
  readonly #info = new Map<string, TensorInfo>();
  readonly #constants = new Map<string, ConstantTensor>();
  readonly #usedNames = new Set<string>();
  /** Tensors whose leading dimension folds the batch into the next one → the same data with the batch apart. */
  readonly #batchMerged = new Map<string, string>();

  /**
   * True when the graph input's batch dimension is dynamic: mappers then translate reshapes that the source
   * graph froze at batch 1 so that they keep (or track) the batch dimension.
   */
  constructor(readonly dynamicBatch = false) {}

  uniqueName(base: string): string {
    let name = base;
    for (let suffix = 1; this.#usedNames.has(name); suffix++) name = `${base}__${suffix}`;
    this.#usedNames.add(name);
    return name;
  }

  reserveName(name: string): void {
    if (this.#usedNames.has(name)) throw new Error(`tensor name "${name}" is produced twice`);
    this.#usedNames.add(name);
  }

  addInput(name: string, info: TensorInfo): void {
    this.reserveName(name);
    this.#info.set(name, info);
    this.#inputs.push({ name, dataType: info.dataType, shape: info.shape });
  }

  addInitializer(nameHint: string, constant: ConstantTensor): string {
    const name = this.uniqueName(nameHint);
    this.#initializers.push({
      name,
      dataType: constant.dataType,
      dims: constant.shape,
      rawData: constantBytes(constant),
    });
    this.#info.set(name, { dataType: constant.dataType, shape: constant.shape });
    this.#constants.set(name, constant);
    return name;
  }

  int64Initializer(
    nameHint: string,
    values: readonly number[],
    shape: readonly number[] = [values.length],
  ): string {
    return this.addInitializer(nameHint, {
      dataType: OnnxDataType.INT64,
      shape,
      values: BigInt64Array.from(values, (v) => BigInt(v)),
    });
  }

  floatInitializer(
    nameHint: string,
    values: readonly number[],
    shape: readonly number[] = [values.length],
  ): string {
    return this.addInitializer(nameHint, {
      dataType: OnnxDataType.FLOAT,
      shape,
      values: Float32Array.from(values),
    });
  }

  /** Adds a node whose outputs are the given (already unique) names with the given tensor infos. */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs: ReadonlyArray<{ name: string; info: TensorInfo }>,
    attributes: Attributes = {},
  ): void {
    for (const input of inputs) {
      if (input !== '' && !this.#info.has(input))
        throw new Error(`${opType} reads "${input}", which nothing produces`);
    }
    for (const output of outputs) this.#info.set(output.name, output.info);
    this.#nodes.push({
      name: this.uniqueName(`${outputs[0]?.name ?? opType}/${opType}`),
      opType,
      inputs,
      outputs: outputs.map((output) => output.name),
      attributes: normaliseAttributes(attributes),
    });
  }

  /** Records that `name` is `batched` ([batch, n, ...]) with its first two dimensions merged into one. */
  markBatchMerged(name: string, batched: string): void {
    this.#batchMerged.set(name, batched);
  }

  batchMergedSource(name: string): string | undefined {
    return this.#batchMerged.get(name);
  }

  info(name: string): TensorInfo {
    const info = this.#info.get(name);
    if (!info) throw new Error(`no tensor named "${name}"`);
    return info;
  }

  constant(name: string): ConstantTensor | undefined {
    return this.#constants.get(name);
  }

  build(name: string, outputs: readonly string[], docString?: string): OnnxGraph {
    const outputInfos = outputs.map((output) => ({ name: output, ...this.info(output) }));
    const outputSet = new Set(outputs);
    const initializerSet = new Set(this.#initializers.map((tensor) => tensor.name));
    const valueInfo = this.#nodes
      .flatMap((node) => node.outputs)
      .filter((output) => !outputSet.has(output) && !initializerSet.has(output))
      .map((output) => ({ name: output, ...this.info(output) }))
      .filter((info) => info.shape !== null);
    return {
      name,
      nodes: this.#nodes,
      initializers: this.#initializers,
      inputs: this.#inputs,
      outputs: outputInfos,
      valueInfo,
      ...(docString ? { docString } : {}),
    };
  }
}

function normaliseAttributes(attributes: Attributes): Record<string, OnnxAttributeValue> {
  const out: Record<string, OnnxAttributeValue> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (typeof value === 'number') {
      if (!Number.isInteger(value))
        throw new Error(`attribute ${key}=${value} must be given as { type: 'float' }`);
      out[key] = { type: 'int', value };
    } else if (typeof value === 'string') out[key] = { type: 'string', value };
    else if (Array.isArray(value)) out[key] = { type: 'ints', value: value as readonly number[] };
    else out[key] = value as OnnxAttributeValue;
  }
  return out;
}
