import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { openDatabase } from './db/database.js';
import { databaseSettings, type Env, jwtSettings } from './env.js';
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
  const { app } = createApp({
    database,
    storage,
    modelClient,
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
    },
  });
  const sweeper = new BlobSweeper({
    repository: database.images,
    pendingBlobs: database.pendingBlobs,
    storage,
    logger,
    owner: env.REPLICA_ID,
    batchSize: env.BLOB_SWEEP_BATCH_SIZE,
    intervalMs: env.BLOB_SWEEP_INTERVAL_MS,
    leaseMs: Math.max(5 * env.BLOB_SWEEP_INTERVAL_MS, 60_000),
  });
  sweeper.start();

  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(started));
  });
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
    },
    'backend listening',
  );

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        }, env.SHUTDOWN_TIMEOUT_MS);
        server.close((error) => {
          clearTimeout(timer);
          modelClient.close();
          sweeper
            .stop()
            .then(() => database.close())
            .then(
              () => (error ? reject(error) : resolve()),
              (closeError: unknown) => reject(error ?? closeError),
            );
        });
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}
