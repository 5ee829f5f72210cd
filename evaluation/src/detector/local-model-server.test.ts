import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addConfigWithoutOnnx } from '../../../services/model-server/test/support/temp-repository.js';
import { exitReason, startLocalModelServer } from './local-model-server.js';

describe('the model server pnpm eval starts without --url', () => {
  let repository: string;
  beforeAll(async () => {
    repository = await mkdtemp(path.join(tmpdir(), 'eval-repository-'));
  });
  afterAll(() => rm(repository, { recursive: true, force: true }));

  it('Should say why it exited during start-up, from the server log', async () => {
    // The README's "add a YOLO export" steps 2–3 without an ONNX file, and no other model.
    await addConfigWithoutOnnx(repository);
    await expect(startLocalModelServer({ modelRepository: repository })).rejects.toThrow(
      /^the model server exited during start-up \(exit 1\): no model could be loaded: yolov8n: .*has no <version>\/model\.onnx/,
    );
  });
});

describe('exitReason', () => {
  it('Should take the last fatal or error log line, else the last line, else say nothing was printed', () => {
    const lines = [
      '{"level":"info","msg":"listening"}',
      '{"level":"fatal","msg":"startup failed","err":{"message":"no model could be loaded"}}',
      '{"level":"error","msg":"model failed to load"}',
      '',
    ].join('\n');
    expect(exitReason(lines)).toBe('model failed to load');
    expect(exitReason(lines.split('\n').slice(0, 2).join('\n'))).toBe('no model could be loaded');
    expect(exitReason('node: bad option: --nope\n')).toBe('node: bad option: --nope');
    expect(exitReason('')).toBe('it printed nothing');
  });
});
