import { OnnxDataType } from '../onnx/data-type.js';
import { encodeOnnxModel } from '../onnx/encode-model.js';
import type { OnnxModel, OnnxValueInfo } from '../onnx/model.js';
import { decodeShape } from '../tfjs/attributes.js';
import type { TfNodeDef } from '../tfjs/graph-model-json.js';
import { graphSignature, type TfGraphModel } from '../tfjs/load-graph-model.js';
import type { TfConstant } from '../tfjs/weights.js';
import { ConversionError } from './errors.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { OpContext, type TfTensorBinding } from './op-context.js';
import { opMappers } from './ops/index.js';
import type { ConstantTensor } from './tensor-info.js';
import { onnxTypeFromTf } from './tf-data-type.js';

export const OPSET_VERSION = 17;
export const IR_VERSION = 8;
export const PRODUCER_NAME = 'detection-stack tfjs-to-onnx';
export const PRODUCER_VERSION = '1.0.0';

export interface ConvertOptions {
  graphName?: string;
  /** TensorFlow tensors to expose as graph outputs; defaults to the signature's outputs. */
  outputs?: readonly string[];
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
  /** Make the graph inputs' leading dimension (1 in the source) dynamic, so that one run takes a batch. */
  dynamicBatch?: boolean;
}

export interface ConversionResult {
  model: OnnxModel;
  bytes: Uint8Array;
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

/** TensorFlow tensor reference ("node", "node:1", "^control") to its node name and output index. */
export function parseTensorRef(ref: string): { node: string; index: number; control: boolean } {
  const control = ref.startsWith('^');
  const body = control ? ref.slice(1) : ref;
  const match = /^(.*):(\d+)$/.exec(body);
  return match ? { node: match[1]!, index: Number(match[2]), control } : { node: body, index: 0, control };
}

/** The ONNX name of a TensorFlow tensor: the node name for output 0, "node:k" otherwise. */
export function onnxTensorName(node: string, index: number): string {
  return index === 0 ? node : `${node}:${index}`;
}

/** Converts a TensorFlow.js graph model into an ONNX model (opset 17, NHWC kept as in the source). */
export function convertGraphModel(graphModel: TfGraphModel, options: ConvertOptions = {}): ConversionResult {
  const nodes = new Map<string, TfNodeDef>();
  for (const node of graphModel.json.modelTopology.node) {
    if (nodes.has(node.name)) throw new ConversionError(`node "${node.name}" is defined twice`);
    nodes.set(node.name, node);
  }
  const outputRefs = (options.outputs ?? defaultOutputs(graphModel, nodes)).map((ref) => parseTensorRef(ref));
  for (const ref of outputRefs) {
    if (!nodes.has(ref.node))
      throw new ConversionError(`requested output "${ref.node}" is not a node of the graph`);
  }

  const builder = new OnnxGraphBuilder(options.dynamicBatch ?? false);
  const bindings = new Map<string, TfTensorBinding>();
  for (const node of topologicalOrder(
    nodes,
    outputRefs.map((ref) => ref.node),
  )) {
    if (node.op === 'Const') {
      bindings.set(node.name, {
        kind: 'constant',
        constant: constantOf(node, graphModel.weights.get(node.name)),
      });
      continue;
    }
    if (node.op === 'Placeholder') {
      const info = placeholderInfo(node, options.dynamicBatch ?? false);
      builder.addInput(node.name, info);
      bindings.set(node.name, { kind: 'tensor', name: node.name });
      continue;
    }
    const mapper = opMappers[node.op];
    if (!mapper) {
      throw new ConversionError(
        `node "${node.name}" uses op "${node.op}", which the converter does not support; supported ops: ${Object.keys(opMappers).sort().join(', ')}`,
      );
    }
    const inputs = (node.input ?? [])
      .map((ref) => parseTensorRef(ref))
      .filter((ref) => !ref.control)
      .map((ref) => {
        const binding = bindings.get(onnxTensorName(ref.node, ref.index));
        if (!binding)
          throw new ConversionError(
            `node "${node.name}" reads "${ref.node}:${ref.index}", which no node produces`,
          );
        return binding;
      });
    const context = new OpContext(node, builder, inputs, (index) => onnxTensorName(node.name, index));
    let produced: string[];
    try {
      produced = mapper(context);
    } catch (error) {
      if (error instanceof ConversionError) throw error;
      throw new ConversionError(`node "${node.name}" (${node.op}): ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const [index, name] of produced.entries()) {
      bindings.set(onnxTensorName(node.name, index), { kind: 'tensor', name });
    }
  }

  const outputNames = outputRefs.map((ref) =>
    exposeOutput(builder, bindings, onnxTensorName(ref.node, ref.index)),
  );
  const graph = builder.build(options.graphName ?? 'main', outputNames, options.docString);
  const model: OnnxModel = {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    metadata: options.metadata ?? {},
    graph,
    ...(options.docString ? { docString: options.docString } : {}),
  };
  return { model, bytes: encodeOnnxModel(model), inputs: graph.inputs, outputs: graph.outputs };
}

function defaultOutputs(graphModel: TfGraphModel, nodes: Map<string, TfNodeDef>): string[] {
  const signatureOutputs = graphSignature(graphModel.json)?.outputs;
  if (signatureOutputs && Object.keys(signatureOutputs).length > 0) {
    return Object.values(signatureOutputs).map((tensor) => tensor.name);
  }
  const consumed = new Set<string>();
  for (const node of nodes.values())
    for (const ref of node.input ?? []) consumed.add(parseTensorRef(ref).node);
  return [...nodes.values()]
    .filter((node) => !consumed.has(node.name) && node.op !== 'Const')
    .map((node) => node.name);
}

/** Nodes needed for `targets`, each after all of its inputs (iterative, so deep graphs cannot overflow the stack). */
function topologicalOrder(nodes: Map<string, TfNodeDef>, targets: readonly string[]): TfNodeDef[] {
  const order: TfNodeDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const target of targets) {
    const stack: Array<{ name: string; expanded: boolean }> = [{ name: target, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      const node = nodes.get(top.name);
      if (!node) throw new ConversionError(`a node reads "${top.name}", which is not in the graph`);
      if (top.expanded) {
        state.set(top.name, 'done');
        order.push(node);
        continue;
      }
      const current = state.get(top.name);
      if (current === 'done') continue;
      if (current === 'visiting') throw new ConversionError(`node "${top.name}" is part of a cycle`);
      state.set(top.name, 'visiting');
      stack.push({ name: top.name, expanded: true });
      for (const ref of [...(node.input ?? [])].reverse()) {
        const input = parseTensorRef(ref);
        if (input.control) continue;
        const inputState = state.get(input.node);
        if (inputState === 'visiting') throw new ConversionError(`node "${input.node}" is part of a cycle`);
        if (inputState !== 'done') stack.push({ name: input.node, expanded: false });
      }
    }
  }
  return order;
}

function constantOf(node: TfNodeDef, weight: TfConstant | undefined): ConstantTensor {
  if (!weight) throw new ConversionError(`node "${node.name}" (Const) has no entry in the weights manifest`);
  const dataType = { float32: OnnxDataType.FLOAT, int32: OnnxDataType.INT32, bool: OnnxDataType.BOOL }[
    weight.dtype
  ];
  return { dataType, shape: weight.shape, values: weight.values };
}

function placeholderInfo(node: TfNodeDef, dynamicBatch: boolean) {
  try {
    const dtype = node.attr?.dtype?.type;
    if (!dtype) throw new Error('attribute "dtype" is missing');
    const shape = decodeShape(node.attr?.shape?.shape);
    if (dynamicBatch && shape !== null && shape.length > 0 && shape[0] !== null) {
      if (shape[0] !== 1) throw new Error(`a dynamic batch needs a leading dimension of 1, not ${shape[0]}`);
      shape[0] = null;
    }
    return { dataType: onnxTypeFromTf(dtype), shape };
  } catch (error) {
    throw new ConversionError(`node "${node.name}" (Placeholder): ${(error as Error).message}`);
  }
}

/** Makes the tensor bound to a TensorFlow output available under that output's own name. */
function exposeOutput(
  builder: OnnxGraphBuilder,
  bindings: Map<string, TfTensorBinding>,
  name: string,
): string {
  const binding = bindings.get(name);
  if (!binding) throw new ConversionError(`requested output "${name}" is not produced by its node`);
  if (binding.kind === 'tensor' && binding.name === name) return name;
  const source =
    binding.kind === 'tensor' ? binding.name : builder.addInitializer(`${name}/value`, binding.constant);
  builder.reserveName(name);
  builder.addNode('Identity', [source], [{ name, info: builder.info(source) }]);
  return name;
}
