import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

describe('Bearer authentication with static tokens (API_TOKENS set)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ config: { apiTokens: ['alpha-token', 'beta-token'] } });
  });
  afterAll(() => t.close());

  it.each([
    ['GET', '/images'],
    ['POST', '/images'],
    ['GET', `/images/${'a'.repeat(64)}`],
    ['GET', `/images/${'a'.repeat(64)}/objects`],
    ['DELETE', `/images/${'a'.repeat(64)}`],
    ['POST', '/detect'],
    ['GET', '/models'],
    ['GET', '/metrics'],
  ])('Should answer 401 with a JSON error for %s %s without a token', async (method, path) => {
    const res = await t.app.request(path, { method });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/authentication required/) });
  });

  it.each([['Bearer wrong-token'], ['Basic YWxwaGEtdG9rZW4='], ['Bearer'], ['alpha-token']])(
    'Should answer 401 for the header "%s"',
    async (authorization) => {
      const res = await t.app.request('/images', { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/invalid bearer token/);
    },
  );

  it.each([['alpha-token'], ['beta-token']])('Should accept the configured token %s', async (token) => {
    const res = await t.app.request('/images', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ images: [], next_cursor: null, total: { count: 0, exact: true } });
  });

  it.each([['/health'], ['/ready?model_server=false'], ['/openapi.json'], ['/docs']])(
    'Should leave %s open',
    async (path) => {
      const res = await t.app.request(path);
      expect(res.status).toBe(200);
    },
  );

  it('Should declare the bearer scheme in the OpenAPI document', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      security: unknown;
      components: { securitySchemes: unknown };
    };
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque token or JWT',
        description: expect.stringContaining('x-required-permission'),
      },
    });
  });
});

describe('Authentication off (no token or JWT key configured)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('Should let every request through with every permission, and publish no security scheme', async () => {
    expect((await t.app.request(`/images/${'a'.repeat(64)}`, { method: 'DELETE' })).status).toBe(404);
    const doc = (await (await t.app.request('/openapi.json')).json()) as { security?: unknown };
    expect(doc.security).toBeUndefined();
  });

  it('Should mark /health and /ready public in the OpenAPI document, and every other operation as needing the token', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.security] as const,
      ),
    );
    expect(operations.length).toBeGreaterThan(5);
    for (const [operation, security] of operations) {
      const isProbe = operation === 'GET /health' || operation === 'GET /ready';
      // No operation-level security: the document's global bearerAuth applies.
      expect(security, operation).toEqual(isProbe ? [] : undefined);
    }
  });
});
