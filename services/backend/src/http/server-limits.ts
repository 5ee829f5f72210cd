import type { Server, ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';

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

/** 431 for oversized headers, 408 for a request that arrived too slowly, 400 for anything else unparsable. */
function answerMalformedHttp(error: NodeJS.ErrnoException, socket: Duplex): void {
  const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || response?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'the request took too long to arrive']
        : [400, 'Bad Request', `malformed HTTP request (${error.code ?? 'parse error'})`];
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
