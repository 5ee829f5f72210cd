import { createRequire } from 'node:module';
import path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { type ConversionResult, convertGraphModel } from '../src/convert/convert-graph-model.js';
import type { TfGraphModel } from '../src/tfjs/load-graph-model.js';
import type { TfDtype, TinyGraph } from './tiny-graph.js';

// PROD mode silences tfjs's advice to install tfjs-node, which cannot be installed here.
tf.env().set('PROD', true);

/** Lets the tfjs wasm backend find its .wasm files in the installed package (nothing is fetched). */
export function registerTfjsWasmFiles(): void {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
}

export interface TensorValue {
  dtype: TfDtype | 'int64';
  shape: number[];
  data: number[];
}

/** Loads the very same model JSON and weight bytes into TensorFlow.js. */
export async function loadInTfjs(model: TfGraphModel) {
  const { json, weightData } = model;
  return loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[],
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ) as ArrayBuffer,
    }),
  );
}

function ortInput(dtype: TfDtype, values: ArrayLike<number>, shape: number[]): ort.Tensor {
  if (dtype === 'float32') return new ort.Tensor('float32', Float32Array.from(values), shape);
  if (dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(values), shape);
  return new ort.Tensor(
    'bool',
    Uint8Array.from(values, (v) => (v ? 1 : 0)),
    shape,
  );
}

export async function runOnnx(
  bytes: Uint8Array,
  feeds: Record<string, { dtype: TfDtype; shape: number[]; values: ArrayLike<number> }>,
  outputs: readonly string[],
): Promise<Record<string, TensorValue>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([name, feed]) => [name, ortInput(feed.dtype, feed.values, feed.shape)]),
    );
    const results = await session.run(ortFeeds, [...outputs]);
    return Object.fromEntries(
      outputs.map((name) => {
        const tensor = results[name]!;
        const dtype =
          tensor.type === 'int64' ? 'int64' : tensor.type === 'bool' ? 'bool' : (tensor.type as TfDtype);
        return [
          name,
          {
            dtype,
            shape: [...tensor.dims],
            data: Array.from(tensor.data as ArrayLike<number | bigint>, Number),
          },
        ];
      }),
    );
  } finally {
    await session.release();
  }
}

export async function runTfjs(
  model: TfGraphModel,
  feeds: Record<string, { dtype: TfDtype; shape: number[]; values: ArrayLike<number> }>,
  outputs: readonly string[],
): Promise<Record<string, TensorValue>> {
  await tf.setBackend('cpu');
  const graphModel = await loadInTfjs(model);
  const inputs = Object.fromEntries(
    Object.entries(feeds).map(([name, feed]) => [
      name,
      tf.tensor(Array.from(feed.values), feed.shape, feed.dtype),
    ]),
  );
  const results = graphModel.execute(inputs, [...outputs]);
  const list = Array.isArray(results) ? results : [results];
  const values: Record<string, TensorValue> = {};
  for (const [index, name] of outputs.entries()) {
    const tensor = list[index]!;
    values[name] = {
      dtype: tensor.dtype as TfDtype,
      shape: tensor.shape,
      data: Array.from(await tensor.data(), Number),
    };
  }
  tf.dispose([...list, ...Object.values(inputs)]);
  graphModel.dispose();
  return values;
}

export interface ParityOptions {
  outputs: string[];
  feeds?: Record<string, ArrayLike<number>>;
  /** Absolute plus relative tolerance for floating-point outputs; integer and boolean outputs must match exactly. */
  tolerance?: number;
}

/**
 * Converts a tiny graph, runs it in TensorFlow.js (CPU reference kernels) and in onnxruntime at
 * optimization level "all", and asserts that outputs, shapes and the converter's static shapes agree.
 */
export async function expectParity(graph: TinyGraph, options: ParityOptions): Promise<ConversionResult> {
  const model = graph.toGraphModel();
  const conversion = convertGraphModel(model, { outputs: options.outputs });
  const feeds = Object.fromEntries(
    graph.inputs.map((input) => {
      const values = options.feeds?.[input.name];
      if (!values) throw new Error(`no feed for input ${input.name}`);
      return [input.name, { dtype: input.dtype, shape: input.shape, values }];
    }),
  );
  const onnxNames = options.outputs.map((name) => name.replace(/:0$/, ''));
  const [expected, actual] = [
    await runTfjs(model, feeds, options.outputs),
    await runOnnx(conversion.bytes, feeds, onnxNames),
  ];
  const tolerance = options.tolerance ?? 1e-5;
  for (const [index, name] of options.outputs.entries()) {
    const want = expected[name]!;
    const got = actual[onnxNames[index]!]!;
    expect(got.shape, `${name} shape`).toEqual(want.shape);
    const declared = conversion.outputs[index]!.shape;
    expect(declared, `${name} static shape`).toEqual(want.shape);
    if (want.dtype === 'float32') {
      for (let i = 0; i < want.data.length; i++) {
        const limit = tolerance * (1 + Math.abs(want.data[i]!));
        if (
          !(Math.abs(got.data[i]! - want.data[i]!) <= limit) &&
          !(Number.isNaN(got.data[i]) && Number.isNaN(want.data[i]))
        ) {
          expect.fail(`${name}[${i}]: onnx ${got.data[i]} vs tfjs ${want.data[i]}`);
        }
      }
    } else {
      expect(got.data, `${name} values`).toEqual(want.data);
    }
  }
  return conversion;
}
