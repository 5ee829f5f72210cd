import type { OnnxDataType } from '../onnx/data-type.js';
import { NodeAttributes } from '../tfjs/attributes.js';
import type { TfNodeDef } from '../tfjs/graph-model-json.js';
import { ConversionError } from './errors.js';
import type { Attributes, OnnxGraphBuilder } from './graph-builder.js';
import { type ConstantTensor, constantToNumbers, type Shape, type TensorInfo } from './tensor-info.js';

/** Where a TensorFlow tensor lives in the ONNX graph being built. */
export type TfTensorBinding =
  | { kind: 'tensor'; name: string }
  | { kind: 'constant'; constant: ConstantTensor };

/** Everything an op mapper may use to translate one TensorFlow node. */
export class OpContext {
  readonly node: TfNodeDef;
  readonly attrs: NodeAttributes;
  readonly builder: OnnxGraphBuilder;
  readonly #inputs: TfTensorBinding[];
  readonly #outputNames: (index: number) => string;
  readonly #materialised = new Map<number, string>();

  constructor(
    node: TfNodeDef,
    builder: OnnxGraphBuilder,
    inputs: TfTensorBinding[],
    outputNames: (index: number) => string,
  ) {
    this.node = node;
    this.attrs = new NodeAttributes(node);
    this.builder = builder;
    this.#inputs = inputs;
    this.#outputNames = outputNames;
  }

  get inputCount(): number {
    return this.#inputs.length;
  }

  /** The ONNX tensor holding input `index`; a constant input becomes an initializer on first use. */
  input(index: number): string {
    const binding = this.#binding(index);
    if (binding.kind === 'tensor') return binding.name;
    const existing = this.#materialised.get(index);
    if (existing) return existing;
    const inputName = this.node.input?.[index] ?? `${this.node.name}/input${index}`;
    const name = this.builder.addInitializer(inputName.replace(/:0$/, ''), binding.constant);
    this.#materialised.set(index, name);
    return name;
  }

  inputInfo(index: number): TensorInfo {
    const binding = this.#binding(index);
    if (binding.kind === 'constant')
      return { dataType: binding.constant.dataType, shape: binding.constant.shape };
    return this.builder.info(binding.name);
  }

  inputShape(index: number): Shape {
    const shape = this.inputInfo(index).shape;
    if (shape === null) this.fail(`input ${index} has unknown rank`);
    return shape;
  }

  inputType(index: number): OnnxDataType {
    return this.inputInfo(index).dataType;
  }

  constantInput(index: number): ConstantTensor | undefined {
    const binding = this.#binding(index);
    return binding.kind === 'constant' ? binding.constant : this.builder.constant(binding.name);
  }

  /** The values of an input that the ONNX translation needs to know at conversion time. */
  requireConstantInput(index: number, what: string): ConstantTensor {
    const constant = this.constantInput(index);
    if (!constant) this.fail(`${what} (input ${index}) must be a constant to be converted`);
    return constant;
  }

  constantNumbers(index: number, what: string): number[] {
    return constantToNumbers(this.requireConstantInput(index, what));
  }

  /** The canonical ONNX name of TensorFlow output `index` of this node. */
  outputName(index = 0): string {
    return this.#outputNames(index);
  }

  /** Adds an intermediate node with a single fresh output and returns that output's name. */
  emit(opType: string, inputs: readonly string[], info: TensorInfo, attributes: Attributes = {}): string {
    const name = this.builder.uniqueName(`${this.node.name}/${opType}`);
    this.builder.addNode(opType, inputs, [{ name, info }], attributes);
    return name;
  }

  /** Adds the node that produces TensorFlow output `index` of this node under its canonical name. */
  emitOutput(
    opType: string,
    inputs: readonly string[],
    info: TensorInfo,
    attributes: Attributes = {},
    index = 0,
  ): string {
    const name = this.outputName(index);
    this.builder.reserveName(name);
    this.builder.addNode(opType, inputs, [{ name, info }], attributes);
    return name;
  }

  fail(message: string): never {
    throw new ConversionError(`node "${this.node.name}" (${this.node.op}): ${message}`);
  }

  #binding(index: number): TfTensorBinding {
    const binding = this.#inputs[index];
    if (!binding) this.fail(`expects an input ${index}, but the node has ${this.#inputs.length}`);
    return binding;
  }
}
