import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../test/support/http-server.js';
import { closedPort } from '../../test/support/test-app.js';
import { ModelServerError } from './model-client.js';
import { RestModelClient } from './rest-model-client.js';

describe('RestModelClient against an address where nothing listens (connection refused)', () => {
  it('Should retry with backoff until the deadline, then fail as "unavailable"', async () => {
    const retries: number[] = [];
    const client = new RestModelClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      requestTimeoutMs: 1_000,
      retryDeadlineMs: 700,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      onRetry: ({ delayMs }) => retries.push(delayMs),
    });
    const started = Date.now();
    const error = await client
      .detect(new Uint8Array([1, 2, 3]), { model: 'centernet-coco' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelServerError);
    expect(error).toMatchObject({ failure: 'unavailable', upstreamStatus: null });
    expect((error as ModelServerError).attempts).toBe(retries.length + 1);
    expect((error as ModelServerError).message).toMatch(/ECONNREFUSED/);
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries[1]!).toBeGreaterThanOrEqual(retries[0]! * 0.9);
    expect(Math.max(...retries)).toBeLessThanOrEqual(200);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('Should not retry at all with a zero deadline', async () => {
    const client = new RestModelClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      requestTimeoutMs: 1_000,
      retryDeadlineMs: 0,
    });
    const error = (await client
      .detect(new Uint8Array([1]), { model: 'm' })
      .catch((e: unknown) => e)) as ModelServerError;
    expect(error.attempts).toBe(1);
  });

  it('Should report readiness as unavailable', async () => {
    const client = new RestModelClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}/`,
      requestTimeoutMs: 1_000,
      retryDeadlineMs: 0,
    });
    expect(await client.readiness()).toEqual({
      status: 'unavailable',
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(client.baseUrl).not.toMatch(/\/$/);
  });
});

describe('ModelClient against a server that is busy or starting (a local HTTP server answering as proxies do)', () => {
  let server: LocalHttpServer;
  const answers: Array<{ status: number; headers?: Record<string, string> }> = [];
  let calls = 0;

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      calls += 1;
      req.resume();
      const answer = answers.shift() ?? { status: 503, headers: { 'retry-after': '1' } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify({ error: `answer ${answer.status}` }));
    });
  });
  afterAll(() => server.close());

  const client = () =>
    new RestModelClient({
      baseUrl: server.origin,
      requestTimeoutMs: 1_000,
      retryDeadlineMs: 10_000,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
    });
  const detect = () =>
    client()
      .detect(new Uint8Array([1]), { model: 'm' })
      .then(
        () => {
          throw new Error('detect should have failed');
        },
        (e: unknown) => e as ModelServerError,
      );

  it.each([
    ['503 with Retry-After in seconds', () => ({ status: 503, headers: { 'retry-after': '7' } }), 7],
    ['429 without Retry-After', () => ({ status: 429 }), 1],
    [
      '503 with Retry-After as an HTTP date',
      // Made when the test runs, not when the file is collected (that can be seconds earlier on a busy machine).
      () => ({ status: 503, headers: { 'retry-after': new Date(Date.now() + 4_500).toUTCString() } }),
      5,
    ],
    ['429 asking for ten minutes (capped)', () => ({ status: 429, headers: { 'retry-after': '600' } }), 60],
  ])('Should fail at once as "overloaded" on %s', async (_, makeAnswer, retryAfterSeconds) => {
    const answer = makeAnswer();
    answers.push(answer);
    calls = 0;
    const error = await detect();
    expect(error).toMatchObject({ failure: 'overloaded', attempts: 1, upstreamStatus: answer.status });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(retryAfterSeconds - 1);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(retryAfterSeconds);
    expect(calls).toBe(1);
  });

  it('Should retry a 503 without Retry-After (starting, or Knative holding the request) and a 502/504', async () => {
    answers.push({ status: 503 }, { status: 502 }, { status: 504 }, { status: 429 });
    calls = 0;
    const error = await detect();
    expect(error).toMatchObject({ failure: 'overloaded', attempts: 4 });
    expect(calls).toBe(4);
  });
});
