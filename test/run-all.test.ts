import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../services/backend/test/support/processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runAll(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'run_all.sh'), args, {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('./run_all.sh (the README set-up-and-run command)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'run-all-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('Should build, start the model server and the backend, pass the end-to-end smoke test, and stop cleanly', async () => {
    const [apiPort, modelPort] = [await closedPort(), await closedPort()];
    const { code, output } = await runAll([
      '--check',
      '--skip-install',
      '--api-port',
      String(apiPort),
      '--model-port',
      String(modelPort),
      '--data-dir',
      dataDir,
    ]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/smoke: 201 in \d+ ms, [1-9]\d* object\(s\)/);
    expect(output).toContain('smoke: OK');
    // Both services were stopped: their ports are free again.
    for (const port of [apiPort, modelPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    }
  });

  it('Should refuse an unknown mode with a clear message', async () => {
    const { code, output } = await runAll(['--mode', 'cloud']);
    expect(code).toBe(2);
    expect(output).toContain("--mode must be local or kind, not 'cloud'");
  });

  it('Should explain its options', async () => {
    const { code, output } = await runAll(['--help']);
    expect(code).toBe(0);
    expect(output).toContain('--mode kind');
    expect(output).toContain('--check');
  });
});
