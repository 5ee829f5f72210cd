import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { DataPlane } from './dataplane.js';
import { createLogger } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { createModelLoader, type ModelLoaderOptions } from './models/model-loader.js';
import { type RunningGrpcServer, startGrpcServer } from './protocol/grpc/grpc-server.js';
import { answerMalformedHttp } from './protocol/malformed-http.js';
import { ModelRegistry, type StartupReport } from './registry.js';
import { ModelRepository } from './repository.js';
import type { Settings } from './settings.js';

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  /** The gRPC port (host:grpcPort), or null when gRPC is off (GRPC_PORT=off). */
  grpcPort: number | null;
  app: ReturnType<typeof createApp>;
  dataplane: DataPlane;
  registry: ModelRegistry;
  metrics: ServerMetrics;
  /**
   * Settles once every model of the repository loaded (and warmed up) or failed: resolves with which did what,
   * rejects when nothing can be served or, with strictModelLoading, when any model failed.
   */
  ready: Promise<StartupReport>;
  /** Graceful stop of both transports: not ready, no new connections or calls, in-flight requests finish (bounded), sessions released. */
  close(): Promise<{ forced: boolean }>;
}

export interface ServerOptions {
  logger?: Logger;
  /** Replaces the onnxruntime worker runtime (tests). */
  startRuntime?: ModelLoaderOptions['startRuntime'];
  processMetrics?: boolean;
}

/**
 * Composition root: repository → loader → registry → data plane → transports (REST app, gRPC service), listening
 * before the models finish loading.
 */
export async function startModelServer(
  settings: Settings,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const metrics = new ServerMetrics({ processMetrics: options.processMetrics ?? true });
  const repository = new ModelRepository(settings.modelRepository);
  const loader = createModelLoader({
    intraOpThreads: settings.intraOpThreads,
    interOpThreads: settings.interOpThreads,
    threadSpinning: settings.threadSpinning,
    maxImagePixels: settings.maxImagePixels,
    modelConcurrency: settings.modelConcurrency,
    maxQueuedRequests: settings.maxQueuedRequests,
    dynamicBatching: settings.dynamicBatching,
    ...(options.startRuntime && { startRuntime: options.startRuntime }),
  });
  const registry = new ModelRegistry(repository, loader, logger, {
    strict: settings.strictModelLoading,
  });
  const dataplane = new DataPlane(registry, metrics, logger);
  const app = createApp({
    dataplane,
    metrics,
    logger,
    maxRequestBytes: settings.maxRequestBytes,
    repositoryToken: settings.repositoryToken,
  });

  const ready = registry.loadAll();
  ready.catch(() => undefined);

  const server = await new Promise<Server>((resolve, reject) => {
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = settings.http;
    const serverOptions = {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Checked often enough that a short timeout is kept to (Node's default is every 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    };
    const listening = serve(
      { fetch: app.fetch, port: settings.port, hostname: settings.host, serverOptions },
      () => resolve(listening as Server),
    ) as Server;
    listening.once('error', reject);
  });
  let grpc: RunningGrpcServer | null = null;
  if (settings.grpcPort !== null) {
    try {
      grpc = await startGrpcServer({
        dataplane,
        metrics,
        logger,
        host: settings.host,
        port: settings.grpcPort,
        maxRequestBytes: settings.maxRequestBytes,
        repositoryToken: settings.repositoryToken,
      });
    } catch (error) {
      server.close();
      throw new Error(
        `cannot listen for gRPC on ${settings.host}:${settings.grpcPort}: ${(error as Error).message}`,
      );
    }
  }
  server.on('clientError', answerMalformedHttp);
  server.keepAliveTimeout = settings.http.keepAliveTimeoutMs;
  server.maxConnections = settings.http.maxConnections;
  const port = (server.address() as AddressInfo).port;
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
  logger.info(
    {
      port,
      grpc_port: grpc?.port ?? null,
      host: settings.host,
      model_repository: settings.modelRepository,
      uptime_ms: Math.round(performance.now()),
    },
    'listening',
  );

  let closing: Promise<{ forced: boolean }> | undefined;
  const close = () => {
    closing ??= (async () => {
      dataplane.beginShutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grpcClosed = grpc?.close(settings.shutdownTimeoutMs) ?? Promise.resolve({ forced: false });
      let timer: NodeJS.Timeout | undefined;
      const restForced = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), settings.shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const forced = restForced || (await grpcClosed).forced;
      if (restForced) {
        logger.warn(
          { timeout_ms: settings.shutdownTimeoutMs },
          'shutdown timeout: closing remaining connections',
        );
        server.closeAllConnections();
      }
      await ready.catch(() => undefined);
      await registry.close();
      return { forced };
    })();
    return closing;
  };

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    grpcPort: grpc?.port ?? null,
    app,
    dataplane,
    registry,
    metrics,
    ready,
    close,
  };
}

export { type Settings, settingsFromEnvironment } from './settings.js';
