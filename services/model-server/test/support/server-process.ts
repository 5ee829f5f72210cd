import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MODEL_REPOSITORY } from './repository-files.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<REST port> */
  url: string;
  /** The `listening` log line: ports and settings as the server reports them. */
  listening: Record<string, unknown>;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves once the process is gone. */
  stop(killAfterMs?: number): Promise<void>;
}

/** Output of a process that never listened: its exit code, JSON log lines and anything else it printed. */
export interface FailedStart {
  code: number | null;
  logs: Array<Record<string, unknown>>;
  output: string;
}

export class ServerExitedError extends Error {
  constructor(readonly failed: FailedStart) {
    super(`the model server exited with ${failed.code} before listening:\n${failed.output.slice(-4000)}`);
  }
}

/**
 * Runs the model server as a process on free loopback ports: `src/index.ts` through tsx, or a built bundle
 * (`entry`). Resolves once it logs `listening`; rejects with {@link ServerExitedError} if it exits first.
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  options: { entry?: string; cwd?: string } = {},
): Promise<ServerProcess> {
  const args = options.entry ? [options.entry] : ['--import', 'tsx', 'src/index.ts'];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      MODEL_REPOSITORY,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close': the process exited and its output has been read to the end.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const logs: Array<Record<string, unknown>> = [];
  let output = '';
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') resolve(entry);
      }
    });
    void exited.then((code) => reject(new ServerExitedError({ code, logs, output })));
  });
  const stop = async (killAfterMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  let entry: Record<string, unknown>;
  try {
    entry = await listening;
  } catch (error) {
    await exited;
    throw error;
  }
  return { child, url: `http://127.0.0.1:${entry.port}`, listening: entry, logs, exited, stop };
}

/** Waits until the process has logged a line with message `msg` (stdout is read asynchronously). */
export async function waitForLog(
  server: ServerProcess,
  msg: string,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = server.logs.find((candidate) => candidate.msg === msg);
    if (entry) return entry;
    if (Date.now() > deadline) throw new Error(`no "${msg}" log line within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls GET /v2/health/ready until it answers 200. */
export async function waitUntilReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/v2/health/ready`).catch(() => null);
    await response?.arrayBuffer();
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}
