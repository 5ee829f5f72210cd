import { describe, expect, it } from 'vitest';
import { ModelBusyError } from '../errors.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

describe('ConcurrencyLimiter', () => {
  it('Should admit up to the concurrency, queue the rest in order, and hand slots over on release', async () => {
    const limiter = new ConcurrencyLimiter(2, 10, 'model m');
    const [a, b] = await Promise.all([limiter.acquire(), limiter.acquire()]);
    const order: string[] = [];
    const c = limiter.acquire().then((slot) => {
      order.push('c');
      return slot;
    });
    const d = limiter.acquire().then((slot) => {
      order.push('d');
      return slot;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([order, limiter.inFlight]).toEqual([[], 4]);
    a!.release();
    const slotC = await c;
    expect(order).toEqual(['c']);
    expect(slotC.waitedMs).toBeGreaterThanOrEqual(15);
    b!.release();
    (await d).release();
    slotC.release();
    expect(limiter.inFlight).toBe(0);
  });

  it('Should refuse with 503 when the queue is full, and count a double release once', async () => {
    const limiter = new ConcurrencyLimiter(1, 1, 'model m version 1');
    const first = await limiter.acquire();
    const queued = limiter.acquire();
    const refused = await limiter.acquire().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ModelBusyError);
    expect(refused).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect((refused as Error).message).toBe(
      'model m version 1 is busy: 1 requests are already waiting; retry later',
    );
    first.release();
    first.release();
    (await queued).release();
    expect(limiter.inFlight).toBe(0);
  });

  it('Should tell when it becomes idle', async () => {
    const limiter = new ConcurrencyLimiter(1, 5, 'm');
    await limiter.idle();
    const slot = await limiter.acquire();
    let idle = false;
    const waiting = limiter.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(idle).toBe(false);
    slot.release();
    await waiting;
    expect(idle).toBe(true);
  });
});
