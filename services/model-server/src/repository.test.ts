import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBiasGraph, tempRepository } from '../test/support/temp-repository.js';
import { ModelNotFoundError } from './errors.js';
import { ModelRepository } from './repository.js';

const config = (name: string) => ({
  name,
  platform: 'onnx' as const,
  inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 3] }],
  outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1, 3] }],
});

describe('ModelRepository', () => {
  it('Should list the models of a Triton-style repository with their numeric versions in order', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'adder'), config('adder'), {
      '2': addBiasGraph(),
      '10': addBiasGraph(),
      '1': addBiasGraph(),
    });
    await add(path.join(root, 'plain'), null, { '1': addBiasGraph() });
    await add(path.join(root, 'bare'), null, { '.': addBiasGraph() });
    await mkdir(path.join(root, 'adder', '0'), { recursive: true });
    await writeFile(
      path.join(root, 'adder', '0', 'model.onnx'),
      'ignored: Triton skips versions starting with 0',
    );
    await mkdir(path.join(root, 'adder', '3')); // a version folder without model.onnx
    await mkdir(path.join(root, 'lost+found'));
    await mkdir(path.join(root, '.cache', '1'), { recursive: true });

    const models = await new ModelRepository(root).list();
    expect(
      models.map((m) => [m.name, m.versions.map((v) => v.version), m.config?.name ?? null, m.problem]),
    ).toEqual([
      ['adder', ['1', '2', '10'], 'adder', undefined],
      ['bare', ['1'], null, undefined],
      ['plain', ['1'], null, undefined],
    ]);
    expect(models[1]!.versions[0]!.modelFile).toBe(path.join(root, 'bare', 'model.onnx'));
  });

  it('Should treat a folder that is itself a model as a one-model repository (KServe storage layout)', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'mnt-models'), config('my-model'), { '1': addBiasGraph() });
    const models = await new ModelRepository(path.join(root, 'mnt-models')).list();
    expect(models.map((m) => [m.name, m.versions.length, m.problem])).toEqual([['my-model', 1, undefined]]);
  });

  it('Should report problems per model instead of failing the listing', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'renamed'), config('other-name'), { '1': addBiasGraph() });
    await add(path.join(root, 'no-versions'), config('no-versions'), {});
    await mkdir(path.join(root, 'bad-json'));
    await writeFile(path.join(root, 'bad-json', 'config.json'), '{ not json');
    await mkdir(path.join(root, 'bad-config'));
    await writeFile(
      path.join(root, 'bad-config', 'config.json'),
      JSON.stringify({ name: 'bad-config', platform: 'tensorflow' }),
    );
    const problems = Object.fromEntries(
      (await new ModelRepository(root).list()).map((m) => [m.name, m.problem]),
    );
    expect(problems['other-name']).toMatch(/names the model "other-name" but its folder is "renamed"/);
    expect(problems['no-versions']).toMatch(/has no <version>\/model.onnx/);
    expect(problems['bad-json']).toMatch(/not valid JSON/);
    expect(problems['bad-config']).toMatch(/not a valid model config: platform: .*; inputs: /);
  });

  it('Should find one model by name, and say which repository lacks it', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'adder'), config('adder'), { '1': addBiasGraph() });
    const repository = new ModelRepository(root);
    expect((await repository.find('adder')).name).toBe('adder');
    await expect(repository.find('nope')).rejects.toThrow(ModelNotFoundError);
    await expect(new ModelRepository(path.join(root, 'missing')).list()).rejects.toThrow(
      /is not a readable directory/,
    );
  });
});
