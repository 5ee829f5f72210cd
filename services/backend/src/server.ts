import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { openDatabase } from './db/client.js';
import type { Env } from './env.js';
import { createModelClient } from './inference/create-model-client.js';
import { createMetrics } from './metrics.js';
import { createStorage } from './storage/create-storage.js';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the database (migrating it), removes orphan blobs, and serves the app until `close()`. */
export async function startServer(env: Env, logger: Logger): Promise<RunningServer> {
  const db = openDatabase(env.DATABASE_PATH);
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
  const { app, service } = createApp({
    db,
    storage,
    modelClient,
    metrics,
    logger,
    config: {
      defaultModel: env.DEFAULT_MODEL,
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxImagePixels: env.MAX_IMAGE_PIXELS,
      apiTokens: env.API_TOKENS,
      urlFetch: { allowPrivate: env.URL_FETCH_ALLOW_PRIVATE, timeoutMs: env.URL_FETCH_TIMEOUT_MS },
      webUiDir: env.WEB_UI_DIR,
    },
  });
  const orphans = await service.removeOrphanBlobs();
  logger.info({ orphans: orphans.length, storage: storage.kind }, 'storage checked for orphan blobs');

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
          db.$client.close();
          if (error) reject(error);
          else resolve();
        });
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}
