import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { createMetrics } from '../metrics.js';
import { WorkQueue } from './admission.js';

const refusalOf = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error as ApiError,
  );

describe('WorkQueue', () => {
  it('Should run up to the limit, queue up to the queue length in order, and refuse the rest at once with Retry-After', async () => {
    const metrics = createMetrics();
    const queue = new WorkQueue('uploads', { maxInFlight: 1, maxQueued: 2, queueTimeoutMs: 10_000 }, metrics);
    const first = await queue.acquire();
    const order: string[] = [];
    const inOrder = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const second = queue.acquire().then(inOrder('second'));
    const third = queue.acquire().then(inOrder('third'));
    const started = performance.now();
    const refused = await refusalOf(queue.acquire());
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(refused?.message).toBe('the server is busy: 1 uploads in progress and 2 waiting; retry in 1 s');
    expect([queue.inFlight, queue.queued]).toEqual([1, 2]);

    first();
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect([queue.inFlight, queue.queued]).toEqual([0, 0]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('backend_work_refused_total{work="uploads",reason="queue_full"} 1');
    expect(text).toContain('backend_work_in_flight{work="uploads"} 0');
  });

  it('Should refuse a request that waited longer than the queue timeout, and forget it', async () => {
    const queue = new WorkQueue('annotations', { maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 50 });
    const held = await queue.acquire();
    const refused = await refusalOf(queue.acquire());
    expect(refused).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect(refused?.message).toMatch(/no annotations slot was free within 50 ms/);
    expect(queue.queued).toBe(0);
    held();
    expect(queue.inFlight).toBe(0);
  });

  it('Should drop a waiting request whose client went away', async () => {
    const queue = new WorkQueue('detections', { maxInFlight: 1, maxQueued: 4, queueTimeoutMs: 10_000 });
    const held = await queue.acquire();
    const client = new AbortController();
    const waiting = refusalOf(queue.acquire(client.signal));
    expect(queue.queued).toBe(1);
    client.abort();
    expect(await waiting).toBeInstanceOf(ApiError);
    expect(queue.queued).toBe(0);
    held();
    expect(queue.inFlight).toBe(0);
  });
});
