import type { Server, ServerOptions } from 'node:http';
import { answerMalformedHttp } from '@detection/model-server/malformed-http';

export interface HttpServerLimits {
  /** Time to receive a request's headers (slow-header clients). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body (slow-body clients). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open: longer than the proxies' in front (Envoy/Istio, ALB). */
  keepAliveTimeoutMs: number;
  /** Open connections at most; Node closes further ones as they arrive. */
  maxConnections: number;
}

/** Options for `http.createServer`: the timeouts, checked often enough that a short one is kept to. */
export function serverOptions(limits: HttpServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Caps connections and answers what Node's HTTP parser refuses with the `{"error"}` JSON every route answers. */
export function guardServer(server: Server, limits: HttpServerLimits): void {
  server.maxConnections = limits.maxConnections;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.on('clientError', answerMalformedHttp);
}
