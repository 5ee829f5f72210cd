import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { openDatabase } from './db/database.js';
import { createDeploymentTarget } from './deployments/create-deployment-target.js';
import { databaseSettings, type Env, jwtSettings, videoConfig } from './env.js';
import { guardServer, type HttpServerLimits, serverOptions } from './http/server-limits.js';
import { BlobSweeper } from './images/blob-sweeper.js';
import { createModelClient } from './inference/create-model-client.js';
import { createMetrics } from './metrics.js';
import { createStorage } from './storage/create-storage.js';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it), starts the pending-blob sweeper and serves the app until `close()`. Nothing at
 * start-up reads every row or lists the storage: start-up time and memory do not grow with the data.
 */
export async function startServer(env: Env, logger: Logger): Promise<RunningServer> {
  const settings = databaseSettings(env);
  const database = await openDatabase(settings, {
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  const storage = createStorage(env);
  const metrics = createMetrics({ defaultMetrics: true });
  const modelClient = createModelClient(env, {
    requestTimeoutMs: env.MODEL_REQUEST_TIMEOUT_MS,
    retryDeadlineMs: env.MODEL_RETRY_DEADLINE_MS,
    onRetry: ({ attempt, delayMs, reason }) => {
      metrics.modelRetries.inc();
      logger.info({ attempt, delay_ms: delayMs, reason }, 'model server not ready, retrying');
    },
  });
  const deploymentTarget = await createDeploymentTarget(env);
  const { app, videoWorkers, deployments } = createApp({
    database,
    storage,
    modelClient,
    deploymentTarget,
    metrics,
    logger,
    config: {
      defaultModel: env.DEFAULT_MODEL,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxImagePixels: env.MAX_IMAGE_PIXELS,
      apiTokens: env.API_TOKENS,
      apiTokenPermissions: env.API_TOKEN_PERMISSIONS,
      adminTokens: env.ADMIN_TOKENS,
      jwt: jwtSettings(env),
      urlFetch: { allowPrivate: env.URL_FETCH_ALLOW_PRIVATE, timeoutMs: env.URL_FETCH_TIMEOUT_MS },
      webUiDir: env.WEB_UI_DIR,
      replicaId: env.REPLICA_ID,
      uploadGracePeriodMs: env.UPLOAD_GRACE_PERIOD_MS,
      admission: {
        uploads: workLimit(env.MAX_UPLOADS_IN_FLIGHT, env),
        videoUploads: workLimit(env.MAX_VIDEO_UPLOADS_IN_FLIGHT, env),
        detections: workLimit(env.MAX_DETECTIONS_IN_FLIGHT, env),
        annotations: workLimit(env.MAX_ANNOTATIONS_IN_FLIGHT, env),
      },
      annotatedMaxSide: env.ANNOTATED_MAX_SIDE,
      corsOrigins: env.CORS_ORIGINS,
      video: videoConfig(env),
      deployments: {
        readyDeadlineMs: env.DEPLOY_READY_DEADLINE_MS,
        pollIntervalMs: env.DEPLOY_POLL_INTERVAL_MS,
      },
    },
  });
  videoWorkers.start();
  const sweeper = new BlobSweeper({
    repository: database.images,
    videos: database.videos,
    pendingBlobs: database.pendingBlobs,
    storage,
    logger,
    owner: env.REPLICA_ID,
    batchSize: env.BLOB_SWEEP_BATCH_SIZE,
    intervalMs: env.BLOB_SWEEP_INTERVAL_MS,
    leaseMs: Math.max(5 * env.BLOB_SWEEP_INTERVAL_MS, 60_000),
  });
  sweeper.start();

  const limits: HttpServerLimits = {
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: env.MAX_CONNECTIONS,
  };
  const server = await new Promise<Server>((resolve) => {
    const started = serve(
      { fetch: app.fetch, port: env.PORT, hostname: env.HOST, serverOptions: serverOptions(limits) },
      () => resolve(started as Server),
    ) as Server;
  });
  guardServer(server, limits);
  const { port } = server.address() as AddressInfo;
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  logger.info(
    {
      port,
      host: env.HOST,
      model_server: modelClient.baseUrl,
      model_server_protocol: env.MODEL_SERVER_PROTOCOL,
      database: settings.dialect,
      storage: storage.kind,
      replica: env.REPLICA_ID,
      video_workers: videoWorkers.size,
    },
    'backend listening',
  );

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
        }, env.SHUTDOWN_TIMEOUT_MS);
        server.close((error) => {
          clearTimeout(timer);
          modelClient.close();
          Promise.all([sweeper.stop(), videoWorkers.stop(), deployments.close()])
            .then(() => database.close())
            .then(
              () => (error ? reject(error) : resolve()),
              (closeError: unknown) => reject(error ?? closeError),
            );
        });
        server.closeIdleConnections();
      }),
  };
}

function workLimit(maxInFlight: number, env: Env) {
  return {
    maxInFlight,
    maxQueued: env.ADMISSION_QUEUE_LENGTH,
    queueTimeoutMs: env.ADMISSION_QUEUE_TIMEOUT_MS,
  };
}
