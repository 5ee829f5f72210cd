import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface LocalModelServer {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Why a model server process stopped, from its output: the message of its last fatal or error log line (JSON
 * lines), else its last line of output.
 */
export function exitReason(output: string): string {
  const lines = output.trim().split('\n').reverse();
  for (const line of lines) {
    let entry: { level?: unknown; msg?: unknown; err?: { message?: unknown } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.level === 'fatal' || entry.level === 'error') return String(entry.err?.message ?? entry.msg);
  }
  return lines.find((line) => line.trim() !== '')?.trim() ?? 'it printed nothing';
}

/**
 * Starts this repository's model server on a free loopback port, serving `model/repository` (or
 * `modelRepository`), and waits until its models are ready: what `pnpm eval` does when it is given no `--url`.
 */
export async function startLocalModelServer(
  options: { modelRepository?: string; readyTimeoutMs?: number } = {},
): Promise<LocalModelServer> {
  const modelRepository = options.modelRepository ?? path.join(repoRoot, 'model/repository');
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  if (!existsSync(modelRepository))
    throw new Error(`no model repository at ${modelRepository}: run \`pnpm model:build\` first`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'services/model-server/src/index.ts')],
    {
      cwd: path.join(repoRoot, 'services/model-server'),
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        GRPC_PORT: 'off',
        MODEL_REPOSITORY: modelRepository,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The server logs JSON lines on stdout (its start-up failure too); stderr has anything else.
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const outputEnded = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(10_000, false, { ref: false })]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await outputEnded;
      throw new Error(`the model server exited during start-up (exit ${child.exitCode}): ${exitReason(log)}`);
    }
    try {
      const response = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the model server was not ready after ${readyTimeoutMs / 1000} s:\n${log.slice(-4000)}`);
}
