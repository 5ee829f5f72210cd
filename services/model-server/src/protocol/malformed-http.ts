import type { Duplex } from 'node:stream';

/**
 * `clientError` handler for a `node:http` server: requests Node's HTTP parser rejects never reach the app, and
 * still get the `{"error"}` JSON every route answers: 431 for oversized headers, 408 for a request that arrived
 * too slowly, 400 for anything else unparsable. The backend uses it too (`@detection/model-server/malformed-http`).
 */
export function answerMalformedHttp(error: NodeJS.ErrnoException, socket: Duplex): void {
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
