import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedPhoto } from '../../test/support/hostile-images.js';
import { blobOf, multipart } from '../../test/support/images.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { parseEnv } from '../env.js';

const upload = (headers: Record<string, string>) => ({
  method: 'POST',
  body: multipart(blobOf(shippedPhoto('000000000030.jpg'))),
  headers,
});

describe('browser-facing protections (auth off, CORS off: the defaults)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ retryDeadlineMs: 0 });
  });
  afterAll(() => t.close());

  it.each([
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['another site that hides Sec-Fetch-Site', { origin: 'https://evil.example' }],
    ['a sibling origin of the same site', { origin: 'http://localhost:1234', 'sec-fetch-site': 'same-site' }],
    ['a page with an opaque origin', { origin: 'null' }],
  ])(
    'Should refuse an upload a browser sends for %s with a 403 JSON error, storing nothing',
    async (_, headers) => {
      const res = await t.app.request('/images', upload(headers));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/^cross-site request refused: /) });
      expect((await t.stored()).images).toBe(0);
    },
  );

  it('Should accept uploads from this origin and from clients that are not browsers', async () => {
    const sameOrigin = await t.app.request(
      '/detect',
      upload({ origin: 'http://localhost', 'sec-fetch-site': 'same-origin' }),
    );
    expect(sameOrigin.status).not.toBe(403);
    const curl = await t.app.request('/detect', upload({}));
    expect(curl.status).not.toBe(403);
  });

  it('Should send no CORS headers to another origin', async () => {
    const preflight = await t.app.request('/images', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const list = await t.app.request('/images', { headers: { origin: 'https://app.example' } });
    expect(list.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('Should serve stored files with a CSP that runs nothing, nosniff, and the browser headers on JSON too', async () => {
    const stored = await t.app.request('/images', upload({}));
    const { image_id } = (await stored.json()) as { image_id: string };
    for (const variant of ['file', 'annotated']) {
      const res = await t.app.request(`/images/${image_id}/${variant}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const json = await t.app.request(`/images/${image_id}`);
    expect(json.headers.get('x-frame-options')).toBe('DENY');
    expect(json.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('CORS_ORIGINS: an allow-list of other origins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { corsOrigins: ['https://app.example'] } });
  });
  afterAll(() => t.close());

  it('Should answer the preflight of an allowed origin, and expose the headers a client needs', async () => {
    const preflight = await t.app.request('/images', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const list = await t.app.request('/images', { headers: { origin: 'https://app.example' } });
    expect(list.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(list.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
  });

  it('Should let an allowed origin upload, and still refuse others', async () => {
    const allowed = await t.app.request(
      '/detect',
      upload({ origin: 'https://app.example', 'sec-fetch-site': 'cross-site' }),
    );
    expect(allowed.status).not.toBe(403);
    const other = await t.app.request('/detect', upload({ origin: 'https://other.example' }));
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('Should read the allow-list from CORS_ORIGINS and refuse anything that is not an origin', () => {
    expect(parseEnv({ CORS_ORIGINS: 'https://app.example, http://localhost:5173/' }).CORS_ORIGINS).toEqual([
      'https://app.example',
      'http://localhost:5173',
    ]);
    expect(parseEnv({}).CORS_ORIGINS).toEqual([]);
    expect(() => parseEnv({ CORS_ORIGINS: 'https://app.example/path' })).toThrow(
      /CORS_ORIGINS.*must be an origin/,
    );
    expect(() => parseEnv({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
