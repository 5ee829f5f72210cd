import { describe, expect, it } from 'vitest';
import { bucketOf, pickVersion } from './traffic.js';

const canary = (percent: number) => [
  { version: '1', percent: 100 - percent },
  { version: '2', percent },
];

describe('the traffic split', () => {
  it('Should give a client the same place every time, a place in 0–99 that depends on the deployment too', () => {
    expect(bucketOf('blazeface', 'client:a')).toBe(bucketOf('blazeface', 'client:a'));
    const places = Array.from({ length: 2000 }, (_, i) => bucketOf('blazeface', `client:${i}`));
    expect(places.every((place) => Number.isInteger(place) && place >= 0 && place < 100)).toBe(true);
    // Spread over the range: every tenth of it holds between 5 % and 15 % of 2000 clients.
    for (let tenth = 0; tenth < 10; tenth++) {
      const share = places.filter((place) => Math.floor(place / 10) === tenth).length / places.length;
      expect(share, `places ${tenth * 10}–${tenth * 10 + 9}`).toBeGreaterThan(0.05);
      expect(share, `places ${tenth * 10}–${tenth * 10 + 9}`).toBeLessThan(0.15);
    }
    const elsewhere = Array.from({ length: 2000 }, (_, i) => bucketOf('centernet-coco', `client:${i}`));
    expect(elsewhere).not.toEqual(places);
  });

  it('Should send the top `percent` places to the canary, so a larger share keeps the clients it had', () => {
    expect(pickVersion(canary(20), 79)).toBe('1');
    expect(pickVersion(canary(20), 80)).toBe('2');
    expect(pickVersion(canary(20), 99.9)).toBe('2');
    expect(pickVersion([{ version: '1', percent: 100 }], 99)).toBe('1');
    expect(pickVersion([], 10)).toBeUndefined();
    const clients = Array.from({ length: 500 }, (_, i) => bucketOf('blazeface', `client:${i}`));
    const onCanary = (percent: number) =>
      new Set(clients.filter((place) => pickVersion(canary(percent), place) === '2'));
    const at10 = onCanary(10);
    const at50 = onCanary(50);
    expect([...at10].every((place) => at50.has(place))).toBe(true);
    expect(at50.size).toBeGreaterThan(at10.size);
  });
});
