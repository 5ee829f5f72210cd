/**
 * Per-image inference time of the original TF.js graphs (tfjs-wasm) against the converted ONNX models
 * (onnxruntime-node), on the same test images (the shipped COCO photos and images made from them) in one
 * process, plus how closely their outputs agree and how much two reference implementations disagree among
 * themselves (the numerical noise floor).
 * Writes bench/results/model.json at the repository root.
 */
import './usage.js';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testImages } from '@detection/test-data';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { convertGraphModel } from '../src/convert/convert-graph-model.js';
import { CATALOG } from '../src/repository/catalog.js';
import { catalogModelInput, loadCatalogGraph } from '../test/catalog-models.js';
import { loadInTfjs, registerTfjsWasmFiles } from '../test/parity.js';

const RESULTS = fileURLToPath(new URL('../../bench/results/model.json', import.meta.url));
const IMAGES = 10;
const PASSES = 3;
const WARMUP = 3;

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    runs: samples.length,
    median_ms: round(at(0.5)),
    p90_ms: round(at(0.9)),
    min_ms: round(sorted[0]!),
  };
}

async function timeRuns(inputs: Float32Array[], run: (input: Float32Array) => Promise<void>) {
  for (let i = 0; i < WARMUP; i++) await run(inputs[i % inputs.length]!);
  const samples: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const input of inputs) {
      const started = performance.now();
      await run(input);
      samples.push(performance.now() - started);
    }
  }
  return summary(samples);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

registerTfjsWasmFiles();
const allImages = (await testImages()).map((image) => image.bytes);
const timedImages = allImages.slice(0, IMAGES);
const report: Record<string, unknown> = {
  machine: {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    node: process.version,
    onnxruntime: ort.env.versions,
  },
  method: `timing: median of ${IMAGES} test images x ${PASSES} passes after ${WARMUP} warm-up runs, model execution only (input tensor prepared beforehand, output read back); agreement: max abs difference over all ${allImages.length} test images`,
  models: {} as Record<string, unknown>,
};

for (const entry of CATALOG) {
  const name = entry.config.name;
  const size = entry.config.preprocessing!.width;
  const graphModel = await loadCatalogGraph(entry);
  const conversionStarted = performance.now();
  const conversion = convertGraphModel(graphModel);
  const conversionMs = performance.now() - conversionStarted;
  const outputs = conversion.outputs.map((output) => output.name);
  const inputName = conversion.inputs[0]!.name;
  const dims = [1, size, size, 3];
  const inputs = await Promise.all(timedImages.map((image) => catalogModelInput(entry, image)));

  await tf.setBackend('wasm');
  const tfjsWasm = await loadInTfjs(graphModel);
  const wasmFlavour = {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  };
  const runTfjs = async (input: Float32Array) => {
    const x = tf.tensor(input, dims);
    const results = tfjsWasm.execute(x, outputs) as tf.Tensor[];
    await Promise.all(results.map((r) => r.data()));
    tf.dispose([x, ...results]);
  };
  const tfjsTiming = await timeRuns(inputs, runTfjs);

  const ortTimings: Record<string, unknown> = {};
  const sessions: Record<string, ort.InferenceSession> = {};
  for (const threads of [0, 1, 2]) {
    const session = await ort.InferenceSession.create(conversion.bytes, {
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    sessions[threads] = session;
    ortTimings[threads ? `intra_op_threads_${threads}` : 'default_threads'] = await timeRuns(
      inputs,
      async (input) => {
        await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
      },
    );
  }

  // Agreement: onnx vs tfjs-wasm, and the noise floor between reference implementations.
  const disabled = await ort.InferenceSession.create(conversion.bytes, {
    graphOptimizationLevel: 'disabled',
  });
  const agreement: Record<string, Record<string, number>> = {};
  const note = (output: string, key: string, value: number) => {
    agreement[output] ??= {};
    agreement[output][key] = Math.max(agreement[output][key] ?? 0, value);
  };
  await tf.setBackend('cpu');
  const tfjsCpu = await loadInTfjs(graphModel);
  for (const image of allImages) {
    const input = await catalogModelInput(entry, image);
    const onnxAll = await sessions[0]!.run({ [inputName]: new ort.Tensor('float32', input, dims) });
    const onnxNone = await disabled.run({ [inputName]: new ort.Tensor('float32', input, dims) });
    await tf.setBackend('wasm');
    const wasmOut = tfjsWasm.execute(tf.tensor(input, dims), outputs) as tf.Tensor[];
    const wasmData = await Promise.all(wasmOut.map((t) => t.data()));
    await tf.setBackend('cpu');
    const cpuOut = tfjsCpu.execute(tf.tensor(input, dims), outputs) as tf.Tensor[];
    const cpuData = await Promise.all(cpuOut.map((t) => t.data()));
    for (const [index, output] of outputs.entries()) {
      note(output, 'onnx_all_vs_tfjs_wasm', maxAbs(onnxAll[output]!.data as Float32Array, wasmData[index]!));
      note(output, 'onnx_all_vs_tfjs_cpu', maxAbs(onnxAll[output]!.data as Float32Array, cpuData[index]!));
      note(output, 'noise_tfjs_wasm_vs_tfjs_cpu', maxAbs(wasmData[index]!, cpuData[index]!));
      note(
        output,
        'noise_onnx_all_vs_onnx_disabled',
        maxAbs(onnxAll[output]!.data as Float32Array, onnxNone[output]!.data as Float32Array),
      );
      note(output, 'max_abs_value', maxAbs(wasmData[index]!, new Float32Array(wasmData[index]!.length)));
    }
    tf.dispose([...wasmOut, ...cpuOut]);
  }
  await Promise.all([...Object.values(sessions), disabled].map((s) => s.release()));
  tfjsWasm.dispose();
  tfjsCpu.dispose();

  (report.models as Record<string, unknown>)[name] = {
    conversion_ms: Math.round(conversionMs),
    onnx_bytes: conversion.bytes.byteLength,
    tfjs_wasm: { ...tfjsTiming, ...wasmFlavour },
    onnxruntime_node: ortTimings,
    speedup_onnx_default_vs_tfjs_wasm:
      Math.round(
        (tfjsTiming.median_ms / (ortTimings.default_threads as { median_ms: number }).median_ms) * 100,
      ) / 100,
    speedup_onnx_1_thread_vs_tfjs_wasm:
      Math.round(
        (tfjsTiming.median_ms / (ortTimings.intra_op_threads_1 as { median_ms: number }).median_ms) * 100,
      ) / 100,
    max_abs_difference: agreement,
  };
  console.log(name, JSON.stringify((report.models as Record<string, unknown>)[name], null, 2));
}

await mkdir(path.dirname(RESULTS), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${RESULTS}`);
