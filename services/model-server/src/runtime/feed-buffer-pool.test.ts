import { describe, expect, it } from 'vitest';
import { FeedBufferPool } from './feed-buffer-pool.js';

describe('FeedBufferPool', () => {
  it('Should hand back a buffer given back, by size, and a new one when none is free', () => {
    const pool = new FeedBufferPool();
    const buffer = pool.take(64);
    new Uint8Array(buffer).fill(7);
    pool.give(buffer);
    expect(pool.bytes).toBe(64);
    expect(pool.take(32)).not.toBe(buffer);
    expect(pool.take(64)).toBe(buffer);
    expect(pool.bytes).toBe(0);
    expect(pool.take(64)).not.toBe(buffer);
  });

  it('Should keep at most maxPerSize buffers of a size and maxBytes in all, once each, and no detached buffer', () => {
    const pool = new FeedBufferPool(2, 100);
    const [a, b, c] = [new ArrayBuffer(40), new ArrayBuffer(40), new ArrayBuffer(40)];
    pool.give(a);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.bytes).toBe(80);
    pool.give(new ArrayBuffer(30));
    expect(pool.bytes).toBe(80);
    pool.give(new ArrayBuffer(20));
    expect(pool.bytes).toBe(100);
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    pool.take(20);
    pool.give(detached);
    expect(pool.bytes).toBe(80);
  });
});
