import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, viewOf } from './route.js';

const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const uuid = '3f2b8c1e-6d0a-4f7e-9a51-2c7d9e8b1a40';

describe('route', () => {
  it('round-trips the image, object and video routes', () => {
    for (const route of [
      { page: 'home' } as const,
      { page: 'models' } as const,
      { page: 'image', imageId: sha, objectId: null } as const,
      { page: 'image', imageId: sha, objectId: uuid } as const,
      { page: 'videos' } as const,
      { page: 'video', videoId: sha } as const,
    ]) {
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
  });

  it('treats anything else, including hostile ids, as home', () => {
    expect(parseRoute('')).toEqual({ page: 'home' });
    expect(parseRoute('#/images/..%2F..%2Fetc')).toEqual({ page: 'home' });
    expect(parseRoute('#/images/<script>')).toEqual({ page: 'home' });
    expect(parseRoute('#/videos/not-a-sha256')).toEqual({ page: 'home' });
    expect(parseRoute('#/unknown')).toEqual({ page: 'home' });
    expect(parseRoute('#/models/x')).toEqual({ page: 'home' });
  });

  it('puts each route in its view of the header', () => {
    expect(viewOf({ page: 'home' })).toBe('images');
    expect(viewOf({ page: 'image', imageId: sha, objectId: null })).toBe('images');
    expect(viewOf({ page: 'videos' })).toBe('videos');
    expect(viewOf({ page: 'video', videoId: sha })).toBe('videos');
    expect(viewOf({ page: 'models' })).toBe('models');
  });
});
