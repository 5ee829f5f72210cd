import { describe, expect, it } from 'vitest';
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
