import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelConfigInput } from '@detection/model/config';
import { afterAll } from 'vitest';
import { type Graph, ONNX_TYPES, onnxModel } from './onnx-graph.js';

/** A temporary model repository, removed after the test file. */
export async function tempRepository(): Promise<{ root: string; add: typeof addModel }> {
  const root = await mkdtemp(path.join(tmpdir(), 'model-server-repo-'));
  afterAll(() => rm(root, { recursive: true, force: true }));
  return { root, add: addModel };
}

/** Writes `<directory>/config.json` (unless config is null) and `<directory>/<version>/model.onnx` per version. */
export async function addModel(
  directory: string,
  config: ModelConfigInput | null,
  versions: Record<string, Graph>,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  if (config) await writeFile(path.join(directory, 'config.json'), JSON.stringify(config, null, 2));
  for (const [version, graph] of Object.entries(versions)) {
    const file =
      version === '.' ? path.join(directory, 'model.onnx') : path.join(directory, version, 'model.onnx');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, onnxModel(graph));
  }
}

/**
 * What the README's "add a YOLO export" steps 2–3 leave without an ONNX file: `<root>/<name>/config.json` of a
 * yolov8n export and an empty version folder `1/`. The model server cannot load it.
 */
export async function addConfigWithoutOnnx(root: string, name = 'yolov8n'): Promise<void> {
  await mkdir(path.join(root, name, '1'), { recursive: true });
  await writeFile(
    path.join(root, name, 'config.json'),
    JSON.stringify({
      name,
      platform: 'onnx',
      inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 640, 640] }],
      outputs: [{ name: 'output0', datatype: 'FP32', shape: [1, 84, 8400] }],
    }),
  );
}

/** y = x + bias over a [n, 3] FP32 tensor: the smallest useful raw-tensor model. */
export function addBiasGraph(bias: number[] = [1, 2, 3]): Graph {
  return {
    inputs: [{ name: 'x', type: ONNX_TYPES.FLOAT, shape: ['n', 3] }],
    outputs: [{ name: 'y', type: ONNX_TYPES.FLOAT, shape: ['n', 3] }],
    initializers: [{ name: 'bias', type: ONNX_TYPES.FLOAT, dims: [3], values: bias }],
    nodes: [{ op: 'Add', inputs: ['x', 'bias'], outputs: ['y'] }],
  };
}

/**
 * A YOLO-style detector whose predictions are fixed (an initializer) but which still reads its image input,
 * so the server runs the whole pipeline: letterbox → ONNX → YOLO decoding → NMS → original pixels.
 */
export function fixedYoloGraph(options: { inputSize: number; dims: number[]; values: number[] }): Graph {
  const { inputSize, dims, values } = options;
  return {
    inputs: [{ name: 'images', type: ONNX_TYPES.FLOAT, shape: [1, 3, inputSize, inputSize] }],
    outputs: [{ name: 'output0', type: ONNX_TYPES.FLOAT, shape: dims }],
    initializers: [
      { name: 'predictions', type: ONNX_TYPES.FLOAT, dims, values },
      { name: 'zero', type: ONNX_TYPES.FLOAT, dims: [], values: [0] },
    ],
    nodes: [
      { op: 'ReduceMax', inputs: ['images'], outputs: ['image_max'], attributes: { keepdims: 0 } },
      { op: 'Mul', inputs: ['image_max', 'zero'], outputs: ['nothing'] },
      { op: 'Add', inputs: ['predictions', 'nothing'], outputs: ['output0'] },
    ],
  };
}
