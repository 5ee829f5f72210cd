/**
 * Both services' HTTP layers against slow and malformed connections, over raw sockets on loopback: header, request
 * and keep-alive timeouts, a connection cap, and 408/431/400 answered with the same `{"error"}` JSON as any route.
 */
import net from 'node:net';
import path from 'node:path';
import {
  type RunningServer as ModelServer,
  settingsFromEnvironment,
  startModelServer,
} from '@detection/model-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';
import { repoRoot } from './support/processes.js';
import { makeTempDir } from './support/temp-dir.js';
import { closedPort } from './support/test-app.js';

const limits = { headersTimeoutMs: 300, requestTimeoutMs: 1_000, keepAliveTimeoutMs: 500, maxConnections: 4 };

interface Exchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  /** Milliseconds from connecting until the server closed. */
  closedAfterMs: number;
}

/** Connects, runs `talk` (which may write slowly), and collects what the server answers until it closes. */
function exchange(port: number, talk: (socket: net.Socket) => void | Promise<void>): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for 10 s; it sent: ${received}`));
    }, 10_000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ received, closedAfterMs: performance.now() - started });
    });
    socket.on('connect', () => void talk(socket));
  });
}

function expectJsonError(received: string, status: number, message: RegExp) {
  const [head = '', body = ''] = received.split('\r\n\r\n');
  expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  expect(head.toLowerCase()).toContain('content-type: application/json');
  expect(JSON.parse(body)).toEqual({ error: expect.stringMatching(message) });
}

const services: Array<{
  name: string;
  /** A route that reads a JSON body. */
  bodyPath: string;
  start: () => Promise<{ port: number; close(): Promise<unknown> }>;
}> = [
  {
    name: 'backend',
    bodyPath: '/detect',
    start: async () => {
      const dir = await makeTempDir('backend-http-limits-');
      const server: RunningServer = await startServer(
        parseEnv({
          PORT: '0',
          HOST: '127.0.0.1',
          DATABASE_PATH: path.join(dir, 'detections.sqlite'),
          STORAGE_DIR: path.join(dir, 'images'),
          MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
          WEB_UI_DIR: path.join(dir, 'web'),
          HTTP_HEADERS_TIMEOUT_MS: String(limits.headersTimeoutMs),
          HTTP_REQUEST_TIMEOUT_MS: String(limits.requestTimeoutMs),
          HTTP_KEEP_ALIVE_TIMEOUT_MS: String(limits.keepAliveTimeoutMs),
          MAX_CONNECTIONS: String(limits.maxConnections),
        }),
        pino({ level: 'silent' }),
      );
      return server;
    },
  },
  {
    name: 'model server',
    bodyPath: '/v2/repository/index',
    start: async (): Promise<ModelServer> =>
      startModelServer(
        {
          ...settingsFromEnvironment({}),
          port: 0,
          // No gRPC listener: the default port (8081) may be taken on a shared machine, and this is about HTTP.
          grpcPort: null,
          host: '127.0.0.1',
          modelRepository: path.join(repoRoot, 'model/repository/blazeface'),
          logLevel: 'silent',
          http: limits,
        },
        { logger: pino({ level: 'silent' }), processMetrics: false },
      ),
  },
];

describe.each(services)('the $name over raw sockets', ({ start, bodyPath }) => {
  let server: { port: number; close(): Promise<unknown> };
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  it('Should answer 408 with a JSON error to a client that sends its headers too slowly', async () => {
    const { received, closedAfterMs } = await exchange(server.port, (socket) => {
      socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    });
    expectJsonError(received, 408, /took too long to arrive/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
  });

  it('Should answer 408 with a JSON error to a client that sends its body too slowly', async () => {
    const { received, closedAfterMs } = await exchange(server.port, (socket) => {
      socket.write(
        `POST ${bodyPath} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          'Content-Length: 100000\r\n\r\n{"url": ',
      );
    });
    expectJsonError(received, 408, /took too long to arrive/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 50);
  });

  it('Should answer 431 with a JSON error to oversized headers', async () => {
    const { received } = await exchange(server.port, (socket) => {
      socket.write(`GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    });
    expectJsonError(received, 431, /headers are too large/);
  });

  it.each([
    ['a garbage request line', 'HELLO THERE\r\n\r\n'],
    ['a bad header line', 'GET / HTTP/1.1\r\nHost localhost\r\n\r\n'],
    ['a malformed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
  ])('Should answer 400 with a JSON error to %s', async (_, request) => {
    const { received } = await exchange(server.port, (socket) => {
      socket.write(request);
    });
    expectJsonError(received, 400, /^malformed HTTP request \(HPE_/);
  });

  it('Should close an idle keep-alive connection after the keep-alive timeout', async () => {
    const { received, closedAfterMs } = await exchange(server.port, (socket) => {
      socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    });
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 50);
  });

  it('Should close connections beyond the cap at once, and take new ones when there is room', async () => {
    const held = await Promise.all(
      Array.from(
        { length: limits.maxConnections },
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(server.port, '127.0.0.1', () => resolve(socket));
            socket.on('error', () => undefined);
          }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await exchange(server.port, (socket) => {
      socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    expect(refused.received).toBe('');
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const admitted = await exchange(server.port, (socket) => {
      socket.write('GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    expect(admitted.received).toMatch(/^HTTP\/1\.1 200 /);
  });
});
