import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

describe('KeyedLock', () => {
  it('Should run sections of one key one after another, in order', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const section = (name: string, ms: number) =>
      lock.run('a', async () => {
        events.push(`${name}:start`);
        await sleep(ms);
        events.push(`${name}:end`);
      });
    await Promise.all([section('first', 30), section('second', 1), section('third', 1)]);
    expect(events).toEqual([
      'first:start',
      'first:end',
      'second:start',
      'second:end',
      'third:start',
      'third:end',
    ]);
    expect(lock.size).toBe(0);
  });

  it('Should let different keys overlap', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    await Promise.all(
      ['a', 'b'].map((key) =>
        lock.run(key, async () => {
          events.push(`${key}:start`);
          await sleep(20);
          events.push(`${key}:end`);
        }),
      ),
    );
    expect(events.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
  });

  it('Should release the key when a section throws', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run('a', async () => 'next')).toBe('next');
    expect(lock.size).toBe(0);
  });
});
