import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelConfigSchema } from './model-config.js';

const run = promisify(execFile);
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../../..');

/** A 640×640 RGB image, NCHW in 0..1: quadrants red, green, blue and mid-grey (0.5). */
function quadrantImage(): Float32Array {
  const size = 640;
  const data = new Float32Array(3 * size * size);
  const colours = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [0.5, 0.5, 0.5],
  ];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const colour = colours[(y < 320 ? 0 : 2) + (x < 320 ? 0 : 1)]!;
      for (let c = 0; c < 3; c++) data[c * size * size + y * size + x] = colour[c]!;
    }
  }
  return data;
}

describe('pnpm model:yolo-demo', () => {
  let repository: string;
  let output: string;
  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'yolo-demo-'));
    ({ stdout: output } = await run('pnpm', ['model:yolo-demo', '--repository', repository], {
      cwd: REPOSITORY_ROOT,
    }));
  });
  afterAll(() => rm(repository, { recursive: true, force: true }));

  it('Should write yolo-demo/config.json and yolo-demo/1/model.onnx, and say it is not a detector', async () => {
    expect((await readdir(path.join(repository, 'yolo-demo'))).sort()).toEqual(['1', 'config.json']);
    expect(await readdir(path.join(repository, 'yolo-demo', '1'))).toEqual(['model.onnx']);
    expect(output).toMatch(/not a detector/);
    expect(output).toMatch(/v2\/repository\/models\/yolo-demo\/load/);
    expect(output).toMatch(/Undo: pnpm model:yolo-demo --remove/);
  });

  it('Should write a valid YOLOv8-style config that matches the graph', async () => {
    const config = modelConfigSchema.parse(
      JSON.parse(await readFile(path.join(repository, 'yolo-demo', 'config.json'), 'utf8')),
    );
    expect(config).toMatchObject({
      name: 'yolo-demo',
      inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 640, 640] }],
      outputs: [{ name: 'output0', datatype: 'FP32', shape: [1, 7, 4] }],
      postprocessing: { type: 'yolo', version: 'v8', output: 'output0' },
      labels: ['red', 'green', 'blue'],
    });
    expect(config.description).toMatch(/NOT an object detector/);
    const session = await ort.InferenceSession.create(path.join(repository, 'yolo-demo', '1', 'model.onnx'));
    try {
      expect(session.inputNames).toEqual(['images']);
      expect(session.outputNames).toEqual(['output0']);
    } finally {
      await session.release();
    }
  });

  it('Should output the four quadrants (attributes first) scored by their mean red, green and blue', async () => {
    const session = await ort.InferenceSession.create(path.join(repository, 'yolo-demo', '1', 'model.onnx'));
    try {
      const images = new ort.Tensor('float32', quadrantImage(), [1, 3, 640, 640]);
      const { output0 } = await session.run({ images });
      expect(output0!.dims).toEqual([1, 7, 4]);
      const rows = Array.from({ length: 7 }, (_, row) =>
        Array.from(
          (output0!.data as Float32Array).subarray(row * 4, row * 4 + 4),
          (v) => Math.round(v * 1000) / 1000,
        ),
      );
      expect(rows).toEqual([
        [160, 480, 160, 480], // cx
        [160, 160, 480, 480], // cy
        [320, 320, 320, 320], // w
        [320, 320, 320, 320], // h
        [1, 0, 0, 0.5], // red
        [0, 1, 0, 0.5], // green
        [0, 0, 1, 0.5], // blue
      ]);
    } finally {
      await session.release();
    }
  });

  it('Should remove only its own folder with --remove', async () => {
    const { stdout } = await run('pnpm', ['model:yolo-demo', '--repository', repository, '--remove'], {
      cwd: REPOSITORY_ROOT,
    });
    expect(stdout).toMatch(/removed .*yolo-demo/);
    expect(await readdir(repository)).toEqual([]);
  });

  it('Should refuse an unknown option with the usage', async () => {
    const failed = await run('pnpm', ['model:yolo-demo', '--repo', repository], {
      cwd: REPOSITORY_ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: expect.any(Number),
      stderr: expect.stringMatching(/usage: pnpm model:yolo-demo/),
    });
  });
});
