import type http from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHttpServer, startHttpServer } from '../../test/support/http-server.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { parseEnv } from '../env.js';
import type { JwtSettings } from './jwt-verifier.js';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

const issuer = 'https://issuer.test/';
const audience = 'detection-api';
const now = () => Math.floor(Date.now() / 1000);

async function sign(
  key: KeyPair['privateKey'],
  claims: JWTPayload,
  options: { alg?: string; kid?: string; expiresIn?: number | null } = {},
): Promise<string> {
  let jwt = new SignJWT({ iss: issuer, aud: audience, sub: 'user-1', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt();
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(now() + (options.expiresIn ?? 300));
  return jwt.sign(key);
}

const settings = (overrides: Partial<JwtSettings>): JwtSettings => ({
  issuer,
  audience,
  algorithms: ['RS256', 'ES256'],
  clockToleranceSeconds: 30,
  permissionsClaim: 'scope',
  permissionValues: { 'detections:read': 'read', 'detections:write': 'detect', 'detections:admin': 'admin' },
  ...overrides,
});

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT bearer tokens with a static public key', () => {
  let rsa: KeyPair;
  let ec: KeyPair;
  let t: TestApp;
  let publicPem: string;

  const get = (token: string, path = '/images') =>
    t.app.request(path, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    publicPem = await exportSPKI(rsa.publicKey);
    t = await createTestApp({ config: { jwt: settings({ publicKey: publicPem }), apiTokens: ['static-1'] } });
  });
  afterAll(() => t.close());

  it('Should accept a valid token and map its scopes to permissions', async () => {
    const reader = await sign(rsa.privateKey, { scope: 'openid detections:read' });
    expect((await get(reader)).status).toBe(200);
    const upload = await t.app.request('/images', {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(upload.status).toBe(403);
    expect(upload.headers.get('www-authenticate')).toMatch(/error="insufficient_scope", scope="detect"/);
    expect(await upload.json()).toEqual({ error: 'this credential lacks the "detect" permission' });
  });

  it('Should keep accepting the static API tokens next to JWTs', async () => {
    expect((await get('static-1')).status).toBe(200);
  });

  it.each([
    [
      'an expired token',
      () => sign(rsa.privateKey, { scope: 'detections:read' }, { expiresIn: -120 }),
      /expired/,
    ],
    [
      'a token without exp',
      () => sign(rsa.privateKey, { scope: 'detections:read' }, { expiresIn: null }),
      /"exp"/,
    ],
    [
      'a token not valid yet',
      () => sign(rsa.privateKey, { scope: 'detections:read', nbf: now() + 600 }),
      /"nbf" claim/,
    ],
    [
      'another issuer',
      () => sign(rsa.privateKey, { scope: 'detections:read', iss: 'https://evil.test/' }),
      /"iss"/,
    ],
    ['another audience', () => sign(rsa.privateKey, { scope: 'detections:read', aud: 'other-api' }), /"aud"/],
    [
      'a token signed by another key',
      async () => sign((await generateKeyPair('RS256')).privateKey, { scope: 'detections:read' }),
      /signature/,
    ],
    [
      'an ES256 token checked against the RSA key',
      () => sign(ec.privateKey, { scope: 'detections:read' }, { alg: 'ES256' }),
      /not valid|signature/,
    ],
    [
      'alg "none"',
      async () =>
        `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: issuer, aud: audience, exp: now() + 60, scope: 'detections:read' })}.`,
      /algorithm|not valid/,
    ],
    [
      'HS256 signed with the RSA public key as the secret (algorithm confusion)',
      async () =>
        new SignJWT({ scope: 'detections:read detections:admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(issuer)
          .setAudience(audience)
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode(publicPem)),
      /algorithm/,
    ],
    ['garbage', async () => 'not.a.jwt', /not valid|invalid/],
  ])('Should answer 401 for %s', async (_name, token, reason) => {
    const res = await get(await token());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="detection-backend", error="invalid_token"/,
    );
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
  });

  it('Should allow a clock skew within the tolerance', async () => {
    const token = await sign(rsa.privateKey, { scope: 'detections:read', nbf: now() + 10 });
    expect((await get(token)).status).toBe(200);
  });

  it('Should accept the same key given as a JWK, and roles from a nested claim', async () => {
    const jwk = await exportJWK(rsa.publicKey);
    const other = await createTestApp({
      config: {
        jwt: settings({
          publicKey: JSON.stringify(jwk),
          permissionsClaim: 'realm_access.roles',
          permissionValues: { viewer: 'read', operator: 'admin' },
        }),
      },
    });
    try {
      const token = await sign(rsa.privateKey, { realm_access: { roles: ['viewer', 'operator'] } });
      const id = 'a'.repeat(64);
      const res = await other.app.request(`/images/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(404);
      const upload = await other.app.request('/detect', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(upload.status).toBe(403);
    } finally {
      await other.close();
    }
  });
});

describe('JWT bearer tokens with keys from a JWKS URL (served on 127.0.0.1, rotated)', () => {
  let keys: Array<{ pair: KeyPair; kid: string }>;
  let published: JWK[] = [];
  let fetches = 0;
  let jwks: LocalHttpServer;
  let t: TestApp;

  const publish = async (entries: Array<{ pair: KeyPair; kid: string }>) => {
    published = await Promise.all(
      entries.map(async ({ pair, kid }) => ({
        ...(await exportJWK(pair.publicKey)),
        kid,
        alg: 'RS256',
        use: 'sig',
      })),
    );
  };

  beforeAll(async () => {
    keys = await Promise.all(
      ['key-1', 'key-2'].map(async (kid) => ({ pair: await generateKeyPair('RS256'), kid })),
    );
    await publish([keys[0]!]);
    jwks = await startHttpServer((_req: http.IncomingMessage, res: http.ServerResponse) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    });
    t = await createTestApp({
      config: { jwt: settings({ jwksUrl: `${jwks.origin}/.well-known/jwks.json`, jwksCooldownMs: 0 }) },
    });
  });
  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  const read = (token: string) => t.app.request('/labels', { headers: { authorization: `Bearer ${token}` } });

  it('Should fetch the key set once and use it from its cache', async () => {
    const token = await sign(keys[0]!.pair.privateKey, { scope: 'detections:read' }, { kid: 'key-1' });
    expect((await read(token)).status).toBe(200);
    expect((await read(token)).status).toBe(200);
    expect(fetches).toBe(1);
  });

  it('Should pick up a rotated key when a token names a key id it does not know, and drop a retired one', async () => {
    await publish([keys[1]!]);
    const rotated = await sign(keys[1]!.pair.privateKey, { scope: 'detections:read' }, { kid: 'key-2' });
    expect((await read(rotated)).status).toBe(200);
    expect(fetches).toBe(2);
    const retired = await sign(keys[0]!.pair.privateKey, { scope: 'detections:read' }, { kid: 'key-1' });
    const res = await read(retired);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/no known key/);
  });
});

describe('JWT configuration', () => {
  it('Should refuse HS and none algorithms, two key sources, a missing issuer or audience, and a bad key', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    expect(() =>
      parseEnv({ JWT_PUBLIC_KEY: pem, JWT_ISSUER: issuer, JWT_AUDIENCE: audience, JWT_ALGORITHMS: 'HS256' }),
    ).toThrow(/JWT_ALGORITHMS/);
    expect(() =>
      parseEnv({ JWT_PUBLIC_KEY: pem, JWT_ISSUER: issuer, JWT_AUDIENCE: audience, JWT_ALGORITHMS: 'none' }),
    ).toThrow(/JWT_ALGORITHMS/);
    expect(() => parseEnv({ JWT_PUBLIC_KEY: pem })).toThrow(/JWT_ISSUER[\s\S]*JWT_AUDIENCE/);
    expect(() =>
      parseEnv({
        JWT_PUBLIC_KEY: pem,
        JWT_JWKS_URL: 'https://idp.test/jwks',
        JWT_ISSUER: issuer,
        JWT_AUDIENCE: audience,
      }),
    ).toThrow(/not both/);
    expect(() =>
      parseEnv({ JWT_PUBLIC_KEY: 'not a key', JWT_ISSUER: issuer, JWT_AUDIENCE: audience }),
    ).toThrow(/JWT_PUBLIC_KEY/);
    expect(() =>
      parseEnv({ JWT_JWKS_URL: 'http://idp.example/jwks', JWT_ISSUER: issuer, JWT_AUDIENCE: audience }),
    ).toThrow(/https/);
    expect(() => parseEnv({ JWT_PERMISSION_MAP: 'viewer:reader' })).toThrow(/JWT_PERMISSION_MAP/);
    const env = parseEnv({
      JWT_PUBLIC_KEY: pem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      JWT_PERMISSION_MAP: 'detections:read:read, ops:admin',
    });
    expect(env.JWT_ALGORITHMS).toEqual(['RS256', 'ES256']);
    expect(env.JWT_PERMISSION_MAP).toEqual({ 'detections:read': 'read', ops: 'admin' });
  });
});
