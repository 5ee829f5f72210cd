import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRepository } from './build-repository.js';
import { CATALOG } from './catalog.js';
import { sha256 } from './fingerprint.js';
import { MODEL_CONFIG_FILE, MODEL_FILE, MODEL_VERSION, modelConfigSchema } from './model-config.js';
import { staleReason } from './repository-status.js';
import { verifyBatching } from './verify-onnx.js';

describe('buildRepository', () => {
  let repository: string;
  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'model-repository-'));
    await buildRepository(repository);
  });
  afterAll(async () => {
    await rm(repository, { recursive: true, force: true });
  });

  it('Should lay out every model as <name>/config.json and <name>/1/model.onnx, with no staging leftovers', async () => {
    expect((await readdir(repository)).sort()).toEqual(['blazeface', 'centernet-coco']);
    for (const name of ['blazeface', 'centernet-coco']) {
      expect((await readdir(path.join(repository, name))).sort()).toEqual([MODEL_VERSION, MODEL_CONFIG_FILE]);
      expect(await readdir(path.join(repository, name, MODEL_VERSION))).toEqual([MODEL_FILE]);
    }
  });

  it('Should write configs that describe the ONNX files exactly', async () => {
    for (const entry of CATALOG) {
      const directory = path.join(repository, entry.config.name);
      const config = modelConfigSchema.parse(
        JSON.parse(await readFile(path.join(directory, MODEL_CONFIG_FILE), 'utf8')),
      );
      const onnx = await readFile(path.join(directory, MODEL_VERSION, MODEL_FILE));
      expect(config.build?.onnx_sha256).toBe(sha256(onnx));
      expect(config.platform).toBe('onnx');
      expect(config.source?.package).toBe('@vladmandic/human');
      expect(config.source?.version).toBe('3.3.6');
      const session = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all' });
      expect(session.inputNames).toEqual(config.inputs.map((input) => input.name));
      expect([...session.outputNames].sort()).toEqual(config.outputs.map((output) => output.name).sort());
      await session.release();
    }
  });

  it('Should describe CenterNet and BlazeFace as the reference library uses them', async () => {
    const read = async (name: string) =>
      modelConfigSchema.parse(
        JSON.parse(await readFile(path.join(repository, name, MODEL_CONFIG_FILE), 'utf8')),
      );
    const centernet = await read('centernet-coco');
    expect(centernet.inputs).toEqual([
      { name: 'tower_0/images', datatype: 'FP32', shape: [-1, 512, 512, 3] },
    ]);
    expect(centernet.outputs).toContainEqual({
      name: 'tower_0/detections',
      datatype: 'FP32',
      shape: [-1, 100, 6],
    });
    expect(centernet.preprocessing).toMatchObject({
      width: 512,
      height: 512,
      color_order: 'RGB',
      value_range: [0, 255],
    });
    expect(centernet.labels).toHaveLength(80);
    const blazeface = await read('blazeface');
    expect(blazeface.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 256, 256, 3] }]);
    expect(blazeface.preprocessing).toMatchObject({ width: 256, height: 256, value_range: [-1, 1] });
    const heads = blazeface.postprocessing?.type === 'blazeface' ? blazeface.postprocessing.heads : [];
    const anchors = heads.reduce((sum, head) => sum + (256 / head.stride) ** 2 * head.anchors_per_cell, 0);
    expect(anchors).toBe(896);
  });

  it('Should build CenterNet and BlazeFace with a dynamic batch, verified bit for bit against batch 1', async () => {
    for (const name of ['centernet-coco', 'blazeface']) {
      const directory = path.join(repository, name);
      const config = modelConfigSchema.parse(
        JSON.parse(await readFile(path.join(directory, MODEL_CONFIG_FILE), 'utf8')),
      );
      expect(config.max_batch_size).toBe(name === 'centernet-coco' ? 2 : 4);
      expect(config.dynamic_batching).toEqual(
        name === 'centernet-coco' ? { max_queue_delay_ms: 2, preferred_batch_sizes: [2] } : undefined,
      );
      expect(config.outputs.every((output) => output.shape[0] === -1)).toBe(true);
      const onnx = await readFile(path.join(directory, MODEL_VERSION, MODEL_FILE));
      await expect(verifyBatching(name, onnx, config.inputs, [2, 3, 4])).resolves.toBeUndefined();
    }
  });

  it('Should rebuild byte-identical models (deterministic)', async () => {
    const again = await mkdtemp(path.join(tmpdir(), 'model-repository-'));
    try {
      await buildRepository(again);
      for (const name of ['blazeface', 'centernet-coco']) {
        for (const file of [MODEL_CONFIG_FILE, path.join(MODEL_VERSION, MODEL_FILE)]) {
          const [a, b] = await Promise.all([
            readFile(path.join(repository, name, file)),
            readFile(path.join(again, name, file)),
          ]);
          expect(a.equals(b), `${name}/${file}`).toBe(true);
        }
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('Should report the repository current, and stale once a model file is damaged or missing', async () => {
    expect(await staleReason(repository)).toBeNull();
    const configPath = path.join(repository, 'blazeface', MODEL_CONFIG_FILE);
    const config = await readFile(configPath, 'utf8');
    const { max_batch_size: _, dynamic_batching: __, ...unbatched } = JSON.parse(config);
    await writeFile(configPath, JSON.stringify(unbatched));
    expect(await staleReason(repository)).toBe(
      'blazeface has no max_batch_size (built before dynamic batching)',
    );
    await writeFile(configPath, JSON.stringify({ ...JSON.parse(config), max_batch_size: 8 }));
    expect(await staleReason(repository)).toBe(
      "blazeface was built with other batching settings than the catalog's",
    );
    await writeFile(configPath, config);
    const onnxPath = path.join(repository, 'blazeface', MODEL_VERSION, MODEL_FILE);
    const original = await readFile(onnxPath);
    await writeFile(onnxPath, original.subarray(0, original.length - 10));
    expect(await staleReason(repository)).toBe('blazeface/1/model.onnx does not match its config');
    await rm(path.join(repository, 'centernet-coco'), { recursive: true });
    expect(await staleReason(repository)).toBe('centernet-coco is missing');
  });
});
