import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is services/web/test/e2e/stack.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const webRoot = path.join(repoRoot, 'services/web');
/** Real COCO photos, read from ../shared next to the repository; never copied into it (NC licence). */
export const cocoImages = path.resolve(repoRoot, '../shared/datasets/coco-sample/images');

/** A free loopback port (bound and released; the tiny race is acceptable for a test on one machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningProcess {
  url: string;
  port: number;
  /** Last lines of stdout and stderr, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

interface StartOptions {
  name: string;
  cwd: string;
  entry: string;
  env: Record<string, string>;
  port: number;
  healthPath: string;
  timeoutMs: number;
}

/** Runs a service's TypeScript entry with tsx and waits until its health path answers 200. */
async function startProcess(options: StartOptions): Promise<RunningProcess> {
  const lines: string[] = [];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', options.entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => lines.slice(-40).join('\n');

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited with code ${child.exitCode} before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(`${url}${options.healthPath}`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} was not ready within ${options.timeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, port: options.port, output, stop };
}

/** The real model server with the real ONNX model repository built by `pnpm model:ensure`. */
export async function startModelServer(port?: number): Promise<RunningProcess> {
  const chosen = port ?? (await freePort());
  return startProcess({
    name: 'model server',
    cwd: path.join(repoRoot, 'services/model-server'),
    entry: 'src/index.ts',
    env: {
      PORT: String(chosen),
      HOST: '127.0.0.1',
      MODEL_REPOSITORY: path.join(repoRoot, 'model/repository'),
      LOG_LEVEL: 'warn',
    },
    port: chosen,
    healthPath: '/v2/health/ready',
    timeoutMs: 180_000,
  });
}

export interface BackendOptions {
  modelServerUrl: string;
  webUiDir: string;
  apiTokens?: string[];
  /** How long the backend keeps retrying a refused/503 model server (a cold start). */
  modelRetryDeadlineMs?: number;
  maxUploadBytes?: number;
}

export interface RunningBackend extends RunningProcess {
  dataDir: string;
}

/** The real backend with a fresh SQLite file and image directory in a temp dir. */
export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-backend-'));
  const running = await startProcess({
    name: 'backend',
    cwd: path.join(repoRoot, 'services/backend'),
    entry: 'src/index.ts',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      MODEL_SERVER_URL: options.modelServerUrl,
      DATABASE_PATH: path.join(dataDir, 'detections.sqlite'),
      STORAGE_BACKEND: 'fs',
      STORAGE_DIR: path.join(dataDir, 'images'),
      WEB_UI_DIR: options.webUiDir,
      API_TOKENS: (options.apiTokens ?? []).join(','),
      URL_FETCH_ALLOW_PRIVATE: 'true',
      MODEL_RETRY_DEADLINE_MS: String(options.modelRetryDeadlineMs ?? 120_000),
      ...(options.maxUploadBytes ? { MAX_UPLOAD_BYTES: String(options.maxUploadBytes) } : {}),
      LOG_LEVEL: 'warn',
    },
    port,
    healthPath: '/health',
    timeoutMs: 60_000,
  });
  return {
    ...running,
    dataDir,
    stop: async () => {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
