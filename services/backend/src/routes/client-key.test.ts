import { describe, expect, it } from 'vitest';
import { createRouter } from '../app-env.js';
import { anonymous, type Principal } from '../auth/permissions.js';
import { clientKeyOf } from './client-key.js';

/** The key a request gets with this principal and these headers. */
async function keyOf(principal: Principal, headers: Record<string, string> = {}) {
  const app = createRouter();
  app.get('/', (c) => {
    c.set('principal', principal);
    return c.json({ key: clientKeyOf(c, c.req.header('x-client-id')) ?? null });
  });
  return ((await (await app.request('/', { headers })).json()) as { key: string | null }).key;
}

const detect = new Set(['detect'] as const);

describe('the client key of the traffic split', () => {
  it('Should prefer X-Client-Id, then the JWT subject, then a digest of the static token; none when anonymous', async () => {
    const jwt: Principal = { subject: 'alice', kind: 'jwt', permissions: detect };
    const token: Principal = { subject: 'token', kind: 'static-token', permissions: detect };
    expect(await keyOf(jwt, { 'x-client-id': 'tab-1' })).toBe('client:tab-1');
    expect(await keyOf(jwt)).toBe('subject:alice');
    const first = await keyOf(token, { authorization: 'Bearer first-secret' });
    expect(first).toMatch(/^token:[0-9a-f]{64}$/);
    expect(first).not.toContain('first-secret');
    expect(await keyOf(token, { authorization: 'Bearer first-secret' })).toBe(first);
    expect(await keyOf(token, { authorization: 'Bearer other-secret' })).not.toBe(first);
    expect(await keyOf(anonymous)).toBeNull();
  });
});
