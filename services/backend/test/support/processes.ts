import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const backendRoot = path.join(repoRoot, 'services/backend');

/** A TCP port on 127.0.0.1 with nothing listening on it (connection refused), for "model server down" cases. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Polls `url` until it answers 200 or the process exits or the time runs out. */
async function waitUntilOk(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before ${url} was ok:\n${output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ok within ${timeoutMs} ms:\n${output()}`);
}

/** Starts a Node program as a child process on 127.0.0.1:`port` and waits for its readiness URL. */
export async function startChildServer(options: {
  args: string[];
  cwd: string;
  env: Record<string, string>;
  port: number;
  readyPath: string;
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
  killAfterMs?: number;
}): Promise<ChildServer> {
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    await waitUntilOk(`${url}${options.readyPath}`, child, options.readyTimeoutMs ?? 120_000, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: options.port, process: child, output: () => log, stop };
}

/** The real model server (services/model-server) serving the real model repository built by `pnpm model:build`. */
export function startModelServer(
  port: number,
  env: Record<string, string> = {},
  limits: { readyTimeoutMs?: number; killAfterMs?: number } = {},
): Promise<ChildServer> {
  return startChildServer({
    args: ['--import', 'tsx', path.join(repoRoot, 'services/model-server/src/index.ts')],
    cwd: path.join(repoRoot, 'services/model-server'),
    env: {
      HOST: '127.0.0.1',
      // REST only unless a test gives GRPC_PORT (a fixed default port would collide between test runs).
      GRPC_PORT: 'off',
      MODEL_REPOSITORY: path.join(repoRoot, 'model/repository'),
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '3000',
      ...env,
    },
    port,
    readyPath: '/v2/health/ready',
    ...limits,
  });
}
