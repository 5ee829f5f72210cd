import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { openDatabase } from './db/database.js';
import { createDeploymentTarget } from './deployments/create-deployment-target.js';
import { DeploymentManager } from './deployments/deployment-manager.js';
import { databaseSettings, type Env, videoConfig } from './env.js';
import { createModelClient } from './inference/create-model-client.js';
import { createMetrics } from './metrics.js';
import { createStorage } from './storage/create-storage.js';
import { createVideoWorkers } from './video/video-workers.js';

export interface RunningWorkers {
  url: string;
  close(): Promise<void>;
}

/**
 * The video workers without the API (`pnpm --filter @detection/backend worker`), for a Deployment that scales
 * them apart from the API replicas (which then run with `VIDEO_WORKERS=0`): opens the database (migrating it),
 * the storage and the model client from the same environment, runs `VIDEO_WORKERS` workers (at least 1), and
 * answers `GET /health` (liveness) and `GET /metrics` (Prometheus) on PORT. `close()` gives running jobs back to the queue.
 */
export async function startWorkerProcess(env: Env, logger: Logger): Promise<RunningWorkers> {
  const database = await openDatabase(databaseSettings(env), {
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const modelClient = createModelClient(env, {
    requestTimeoutMs: env.MODEL_REQUEST_TIMEOUT_MS,
    retryDeadlineMs: env.MODEL_RETRY_DEADLINE_MS,
    onRetry: ({ attempt, delayMs, reason }) =>
      logger.info({ attempt, delay_ms: delayMs, reason }, 'model server not ready, retrying'),
  });
  const metrics = createMetrics({ defaultMetrics: true });
  const config = { ...videoConfig(env), workers: Math.max(1, env.VIDEO_WORKERS) };
  // Read-only use of the deployments: which version and endpoint serve a job's model (no rollout is watched here).
  const deployments = new DeploymentManager({
    repository: database.deployments,
    target: await createDeploymentTarget(env),
    logger,
    settings: { readyDeadlineMs: env.DEPLOY_READY_DEADLINE_MS, pollIntervalMs: env.DEPLOY_POLL_INTERVAL_MS },
  });
  const workers = createVideoWorkers(config, env.REPLICA_ID, {
    videos: database.videos,
    storage: createStorage(env),
    modelClient,
    route: (model, clientKey) => deployments.routeFor(model, clientKey),
    logger,
    metrics,
  });
  workers.start();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    const healthy = req.method === 'GET' && req.url === '/health';
    res.writeHead(healthy ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(healthy ? { status: 'ok', video_workers: workers.size } : { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(env.PORT, env.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  logger.info({ port, video_workers: workers.size, replica: env.REPLICA_ID }, 'video workers running');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers.stop();
      modelClient.close();
      await database.close();
    },
  };
}
