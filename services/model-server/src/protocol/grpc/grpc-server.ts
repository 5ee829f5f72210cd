import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DataPlane } from '../../dataplane.js';
import type { ServerMetrics } from '../../metrics.js';
import { createGrpcApi } from './grpc-api.js';
import {
  advertiseReceiveWindow,
  GRPC_MAX_FRAME_BYTES,
  GRPC_RECEIVE_WINDOW_BYTES,
  widenConnectionWindows,
} from './receive-window.js';
import { inferenceServiceDefinition } from './service-definition.js';

export interface GrpcServerOptions {
  dataplane: DataPlane;
  metrics: ServerMetrics;
  logger: Logger;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The REST body limit, applied to every received message (larger ones get RESOURCE_EXHAUSTED). */
  maxRequestBytes: number;
  /** When set, loading and unloading a model need it as `authorization: Bearer <token>` (as over REST). */
  repositoryToken?: string | null;
}

export interface RunningGrpcServer {
  port: number;
  /** No new calls; in-flight ones finish within `timeoutMs`, then the remaining ones are cancelled. */
  close(timeoutMs: number): Promise<{ forced: boolean }>;
}

/** `inference.GRPCInferenceService` over plaintext HTTP/2 (h2c), on its own port beside REST. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxRequestBytes,
    'grpc.max_send_message_length': -1,
    // Per-call channelz bookkeeping is for debugging tools this server does not expose.
    'grpc.enable_channelz': 0,
  });
  advertiseReceiveWindow(server, GRPC_RECEIVE_WINDOW_BYTES, GRPC_MAX_FRAME_BYTES);
  const { definition, implementation } = createGrpcApi(inferenceServiceDefinition(), options);
  server.addService(definition, implementation);
  const address = options.host.includes(':')
    ? `[${options.host}]:${options.port}`
    : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  widenConnectionWindows(server, GRPC_RECEIVE_WINDOW_BYTES);
  return {
    port,
    close: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve({ forced: true });
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve({ forced: false });
        });
      }),
  };
}
