import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addBiasGraph, tempRepository } from '../../test/support/temp-repository.js';
import { ModelRepository } from '../repository.js';
import { RuntimeUnavailableError } from './model-runtime.js';
import { prestartRuntimes } from './prestarted-runtimes.js';

const OPTIONS = { intraOpThreads: 1, interOpThreads: 1, threadSpinning: 'never' as const };
const feeds = { x: { datatype: 'FP32' as const, dims: [1, 3], data: new Float32Array(3) } };

describe('prestartRuntimes', () => {
  it('Should hand out each model file runtime started ahead once, then start new ones', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'a'), null, { '1': addBiasGraph([1, 1, 1]) });
    await add(path.join(root, 'b'), null, { '1': addBiasGraph([2, 2, 2]) });
    const prestarted = prestartRuntimes(new ModelRepository(root), OPTIONS);
    const fileA = path.join(root, 'a', '1', 'model.onnx');
    const first = await prestarted.startRuntime(fileA, OPTIONS);
    const second = await prestarted.startRuntime(fileA, OPTIONS);
    expect(second).not.toBe(first);
    const run = await first.run({ x: { ...feeds.x, data: new Float32Array(3) } }, ['y']);
    expect(Array.from(run.outputs.get('y')!.data as Float32Array)).toEqual([1, 1, 1]);
    await Promise.all([first.release(), second.release()]);
  });

  it('Should start a fresh runtime when asked with other thread counts, and release what nobody claimed', async () => {
    const { root, add } = await tempRepository();
    await add(path.join(root, 'a'), null, { '1': addBiasGraph() });
    await add(path.join(root, 'b'), null, { '1': addBiasGraph() });
    const prestarted = prestartRuntimes(new ModelRepository(root), OPTIONS);
    const other = await prestarted.startRuntime(path.join(root, 'a', '1', 'model.onnx'), {
      ...OPTIONS,
      intraOpThreads: 2,
    });
    await prestarted.releaseUnclaimed();
    const late = await prestarted.startRuntime(path.join(root, 'b', '1', 'model.onnx'), OPTIONS);
    await expect(late.run({ x: { ...feeds.x, data: new Float32Array(3) } }, ['y'])).resolves.toBeDefined();
    await Promise.all([other.release(), late.release()]);
    await expect(late.run(feeds, ['y'])).rejects.toThrow(RuntimeUnavailableError);
  });
});
