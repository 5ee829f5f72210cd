/**
 * Every operation of the OpenAPI document, table-driven: a route must declare the permission it needs
 * (`x-required-permission`, from `requires(...)`), answer 401 without a valid token, 403 with a valid token that
 * lacks the permission, and let a token with exactly that permission through. A new route without a permission
 * fails here.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { type Permission, permissions } from '../auth/permissions.js';

const publicOperations = new Set(['GET /health', 'GET /ready']);
const issuer = 'https://issuer.test/';
const audience = 'detection-api';

interface Operation {
  method: string;
  path: string;
  required: Permission | undefined;
}

describe('Permissions of every route', () => {
  let t: TestApp;
  let operations: Operation[];
  const tokens = {} as Record<'none' | Permission | `all but ${Permission}`, string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    t = await createTestApp({
      config: {
        apiTokens: ['detection-token'],
        apiTokenPermissions: ['read', 'detect'],
        adminTokens: ['admin-token'],
        jwt: {
          publicKey: await exportSPKI(publicKey),
          issuer,
          audience,
          algorithms: ['ES256'],
          clockToleranceSeconds: 30,
          permissionsClaim: 'scope',
          permissionValues: { read: 'read', detect: 'detect', admin: 'admin' },
        },
      },
    });
    const mint = (scope: string) =>
      new SignJWT({ scope })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime('5m')
        .sign(privateKey);
    tokens.none = await mint('');
    for (const permission of permissions) {
      tokens[permission] = await mint(permission);
      tokens[`all but ${permission}`] = await mint(permissions.filter((p) => p !== permission).join(' '));
    }
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { 'x-required-permission'?: Permission }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        required: operation['x-required-permission'],
      })),
    );
    // /metrics is served outside the OpenAPI document.
    operations.push({ method: 'GET', path: '/metrics', required: 'read' });
  });
  afterAll(() => t.close());

  const send = (operation: Operation, token?: string) =>
    t.app.request(
      operation.path
        .replace('{image_id}', 'a'.repeat(64))
        .replace('{object_id}', '6f1c2c8e-4d3b-4f0e-9a47-2f6f3b1e8d21')
        .replace('{video_id}', 'b'.repeat(64))
        .replace('{job_id}', '0d6f9a57-2b1e-4c8e-9f3a-5b7c1d2e3f40')
        .replace('{name}', 'blazeface'),
      { method: operation.method, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) },
    );

  it('Should cover the routes the API has (the table is the OpenAPI document)', () => {
    expect(operations.length).toBeGreaterThanOrEqual(25);
    const names = operations.map((operation) => `${operation.method} ${operation.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /videos',
        'GET /videos',
        'GET /videos/{video_id}',
        'GET /videos/{video_id}/file',
        'DELETE /videos/{video_id}',
        'GET /videos/{video_id}/frames',
        'GET /videos/{video_id}/tracks',
        'GET /jobs/{job_id}',
        'GET /jobs/{job_id}/events',
        'DELETE /jobs/{job_id}',
      ]),
    );
  });

  it('Should declare a permission on every operation but the public health checks', () => {
    for (const operation of operations) {
      const name = `${operation.method} ${operation.path}`;
      if (publicOperations.has(name)) expect(operation.required, name).toBeUndefined();
      else expect(permissions, name).toContain(operation.required);
    }
  });

  it('Should answer every operation as its permission says: 401, 403, or through', async () => {
    const outcomes: string[] = [];
    for (const operation of operations) {
      const name = `${operation.method} ${operation.path}`;
      const status = async (token?: string) => (await send(operation, token)).status;
      if (!operation.required) {
        outcomes.push(`${name}: ${await status()} without a token`);
        continue;
      }
      const missing = await send(operation);
      const invalid = await status('not-a-known-token');
      const lacking = await send(operation, tokens[`all but ${operation.required}`]);
      const granted = await status(tokens[operation.required]);
      outcomes.push(
        `${name} (${operation.required}): ${missing.status}/${invalid}/${lacking.status}/${granted < 401 || granted > 403 ? 'through' : granted}`,
      );
      expect(missing.headers.get('www-authenticate'), name).toMatch(/^Bearer realm=/);
      expect(lacking.headers.get('www-authenticate'), name).toMatch(/insufficient_scope/);
    }
    for (const line of outcomes) {
      if (line.includes('without a token')) expect(line).toMatch(/: 200 without a token$/);
      else expect(line).toMatch(/: 401\/401\/403\/through$/);
    }
  });

  it('Should give API_TOKENS the configured permissions and ADMIN_TOKENS all of them', async () => {
    const remove = { method: 'DELETE', path: '/images/{image_id}', required: 'admin' as const };
    expect((await send(remove, 'detection-token')).status).toBe(403);
    expect((await send(remove, 'admin-token')).status).toBe(404);
    expect((await send({ method: 'GET', path: '/images', required: 'read' }, 'detection-token')).status).toBe(
      200,
    );
    expect((await send({ method: 'GET', path: '/images', required: 'read' }, 'admin-token')).status).toBe(
      200,
    );
  });

  it('Should refuse every deployment route to a detection-only token (403) and let an admin token through', async () => {
    const managed = operations.filter((operation) => operation.path.startsWith('/deployments'));
    expect(managed.map((operation) => `${operation.method} ${operation.path}`).sort()).toEqual([
      'DELETE /deployments/{name}',
      'GET /deployments',
      'GET /deployments/{name}',
      'POST /deployments',
      'POST /deployments/{name}/promote',
      'POST /deployments/{name}/rollback',
    ]);
    for (const operation of managed) {
      const name = `${operation.method} ${operation.path}`;
      expect(operation.required, name).toBe('admin');
      expect((await send(operation, 'detection-token')).status, name).toBe(403);
      expect([403, 401], name).not.toContain((await send(operation, 'admin-token')).status);
    }
  });

  it('Should let a token without any permission authenticate, yet reach nothing but the public routes', async () => {
    expect((await send({ method: 'GET', path: '/images', required: 'read' }, tokens.none)).status).toBe(403);
    expect((await send({ method: 'GET', path: '/health', required: undefined }, tokens.none)).status).toBe(
      200,
    );
  });
});
