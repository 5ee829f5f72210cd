import { fileURLToPath } from 'node:url';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startModelServer } from '../src/server.js';
import { settingsFromEnvironment } from '../src/settings.js';
import { type GrpcInferenceClient, grpcInferenceClient } from './support/oip-clients.js';

const BLAZEFACE = fileURLToPath(new URL('../../../model/repository/blazeface', import.meta.url));
const token = 'repository-token-for-tests';

describe('MODEL_REPOSITORY_TOKEN: loading and unloading models needs the token', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startModelServer(
      {
        ...settingsFromEnvironment({}),
        port: 0,
        grpcPort: 0,
        host: '127.0.0.1',
        modelRepository: BLAZEFACE,
        logLevel: 'silent',
        repositoryToken: token,
      },
      { logger: pino({ level: 'silent' }), processMetrics: false },
    );
    await server.ready;
  });
  afterAll(() => server.close());
  let client: GrpcInferenceClient;
  beforeAll(() => {
    client = grpcInferenceClient(`127.0.0.1:${server.grpcPort}`);
  });
  afterAll(() => client.close());

  const grpcCall = (method: string, authorization?: string) => {
    const metadata = new Metadata();
    if (authorization) metadata.set('authorization', authorization);
    return new Promise<{ code: string; details: string }>((resolve) =>
      client[method]!({ model_name: 'blazeface' }, metadata, (error: ServiceError | null) =>
        resolve({ code: status[error?.code ?? status.OK], details: error?.details ?? '' }),
      ),
    );
  };

  const post = (path: string, authorization?: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
    });

  it.each([
    [
      'without a token',
      undefined,
      /unloading a model needs "Authorization: Bearer <MODEL_REPOSITORY_TOKEN>"/,
    ],
    ['with a wrong token', 'Bearer not-the-token', /invalid repository token/],
  ])(
    'Should refuse to unload %s with a 401 JSON error, and keep serving',
    async (_, authorization, message) => {
      const res = await post('/v2/repository/models/blazeface/unload', authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await res.json()).toEqual({ error: expect.stringMatching(message) });
      expect((await fetch(`${server.url}/v2/models/blazeface/ready`)).status).toBe(200);
    },
  );

  it('Should refuse to load without the token', async () => {
    const res = await post('/v2/repository/models/blazeface/load');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/^loading a model needs/) });
  });

  it('Should leave the index, health and inference routes open, and unload and load with the token', async () => {
    expect((await post('/v2/repository/index')).status).toBe(200);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    const unload = await post('/v2/repository/models/blazeface/unload', `Bearer ${token}`);
    expect(unload.status).toBe(200);
    expect(await unload.json()).toEqual({ name: 'blazeface', unload: true });
    const load = await post('/v2/repository/models/blazeface/load', `Bearer ${token}`);
    expect(load.status).toBe(200);
  });

  it('Should answer an inference of an unloaded model with 404 (gRPC NOT_FOUND) at once, not 503, until it is loaded again', async () => {
    const infer = () =>
      fetch(`${server.url}/v2/models/blazeface/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"inputs": []}',
      });
    expect((await post('/v2/repository/models/blazeface/unload', `Bearer ${token}`)).status).toBe(200);
    const refused = await infer();
    expect(refused.status).toBe(404);
    expect(refused.headers.get('retry-after')).toBeNull();
    expect(await refused.json()).toEqual({
      error: 'model blazeface is not loaded (unloaded); load it again to serve it',
    });
    expect(await grpcCall('ModelInfer')).toEqual({
      code: 'NOT_FOUND',
      details: 'model blazeface is not loaded (unloaded); load it again to serve it',
    });
    // Readiness keeps its meaning: the model is known and not ready.
    expect((await fetch(`${server.url}/v2/models/blazeface/ready`)).status).toBe(503);
    expect((await post('/v2/repository/models/blazeface/load', `Bearer ${token}`)).status).toBe(200);
    expect((await infer()).status).toBe(400);
  });

  it('Should ask the same token over gRPC: UNAUTHENTICATED without it or with a wrong one, OK with it', async () => {
    expect(await grpcCall('RepositoryModelUnload')).toEqual({
      code: 'UNAUTHENTICATED',
      details: expect.stringMatching(/needs "authorization: Bearer <MODEL_REPOSITORY_TOKEN>"/),
    });
    expect(await grpcCall('RepositoryModelLoad', 'Bearer not-the-token')).toEqual({
      code: 'UNAUTHENTICATED',
      details: 'invalid repository token',
    });
    expect((await fetch(`${server.url}/v2/models/blazeface/ready`)).status).toBe(200);
    expect(await grpcCall('RepositoryModelUnload', `Bearer ${token}`)).toEqual({ code: 'OK', details: '' });
    expect(await grpcCall('RepositoryModelLoad', `Bearer ${token}`)).toEqual({ code: 'OK', details: '' });
    expect((await fetch(`${server.url}/v2/models/blazeface/ready`)).status).toBe(200);
  });
});
