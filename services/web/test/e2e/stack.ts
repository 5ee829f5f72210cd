import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ChildServer,
  closedPort,
  repoRoot,
  startChildServer,
  startModelServer as startRealModelServer,
} from '../../../backend/test/support/processes.js';

// The backend's test helpers start the services; the web tests only choose their limits and environment.
export { type ChildServer, closedPort, repoRoot };

export const webRoot = path.join(repoRoot, 'services/web');

/** The web tests' limits: the first model load can take minutes; a stopped service gets 15 s before SIGKILL. */
const MODEL_SERVER_READY_MS = 180_000;
const BACKEND_READY_MS = 60_000;
const KILL_AFTER_MS = 15_000;

/** The real model server with the real ONNX model repository built by `pnpm model:ensure`. */
export async function startModelServer(
  port?: number,
  env: Record<string, string> = {},
): Promise<ChildServer> {
  return startRealModelServer(
    port ?? (await closedPort()),
    { NODE_ENV: 'test', ...env },
    { readyTimeoutMs: MODEL_SERVER_READY_MS, killAfterMs: KILL_AFTER_MS },
  );
}

export interface BackendOptions {
  modelServerUrl: string;
  webUiDir: string;
  apiTokens?: string[];
  /** How long the backend keeps retrying a refused/503 model server (a cold start). */
  modelRetryDeadlineMs?: number;
  maxUploadBytes?: number;
  /** URL uploads may reach loopback (true by default here; the URL tests fetch from 127.0.0.1). */
  allowPrivateUrls?: boolean;
  /** More of the backend's environment (e.g. DEPLOY_READY_DEADLINE_MS). */
  env?: Record<string, string>;
}

export interface RunningBackend extends ChildServer {
  dataDir: string;
}

/** The real backend with a fresh SQLite file and image directory in a temp dir. */
export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const port = await closedPort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-backend-'));
  const running = await startChildServer({
    args: ['--import', 'tsx', 'src/index.ts'],
    cwd: path.join(repoRoot, 'services/backend'),
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      MODEL_SERVER_URL: options.modelServerUrl,
      DATABASE_PATH: path.join(dataDir, 'detections.sqlite'),
      STORAGE_BACKEND: 'fs',
      STORAGE_DIR: path.join(dataDir, 'images'),
      WEB_UI_DIR: options.webUiDir,
      API_TOKENS: (options.apiTokens ?? []).join(','),
      URL_FETCH_ALLOW_PRIVATE: String(options.allowPrivateUrls ?? true),
      MODEL_RETRY_DEADLINE_MS: String(options.modelRetryDeadlineMs ?? 120_000),
      ...(options.maxUploadBytes ? { MAX_UPLOAD_BYTES: String(options.maxUploadBytes) } : {}),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    port,
    readyPath: '/health',
    readyTimeoutMs: BACKEND_READY_MS,
    killAfterMs: KILL_AFTER_MS,
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
