import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../../app-env.js';
import type { Database } from '../../db/database.js';
import type { ModelClient } from '../../inference/model-client.js';
import type { BlobStorage } from '../../storage/storage.js';
import { serviceVersion } from '../../version.js';
import { exampleHealth, exampleNotReady, exampleReady } from '../examples.js';
import { jsonResponse } from '../schemas.js';

const CheckSchema = z.object({ status: z.enum(['ok', 'error']), detail: z.string().optional() });

const ReadySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({
      database: CheckSchema.extend({ dialect: z.enum(['sqlite', 'postgres']) }),
      storage: CheckSchema.extend({ backend: z.enum(['fs', 's3']) }),
      model_server: z.object({
        status: z.enum(['ready', 'cold', 'unavailable', 'skipped']),
        latency_ms: z.number().optional(),
        detail: z.string().optional(),
      }),
    }),
  })
  .openapi('Readiness');

export const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Liveness: the process answers',
  // public even when API_TOKENS is set (probes send no token)
  security: [],
  responses: {
    200: jsonResponse(
      z.object({ status: z.literal('ok'), version: z.string(), uptime_s: z.number() }).openapi('Health'),
      'Alive',
      exampleHealth,
    ),
  },
});

export const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['health'],
  summary: 'Readiness: database and storage usable; the model server’s state is reported',
  description:
    'Answers 503 when the database or the storage cannot be used (one `SELECT 1` and one storage check: the cost ' +
    'does not grow with the data). The model server does not decide readiness: a ' +
    'scaled-to-zero predictor is "cold" and detection calls wait for it. `model_server=false` skips asking it, so a ' +
    'frequent probe does not keep a scaled-to-zero predictor awake.',
  request: {
    query: z.object({
      model_server: z
        .enum(['true', 'false'])
        .default('true')
        .openapi({ description: 'Also ask the model server' }),
    }),
  },
  security: [],
  responses: {
    200: jsonResponse(ReadySchema, 'Ready', exampleReady),
    503: jsonResponse(ReadySchema, 'Not ready', exampleNotReady),
  },
});

export function healthRouter(deps: {
  database: Pick<Database, 'ping' | 'dialect'>;
  storage: BlobStorage;
  modelClient: ModelClient;
}) {
  const router = createRouter();
  const startedAt = Date.now();

  router.openapi(healthRoute, (c) =>
    c.json(
      {
        status: 'ok' as const,
        version: serviceVersion,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
      },
      200,
    ),
  );

  router.openapi(readyRoute, async (c) => {
    const askModelServer = c.req.valid('query').model_server === 'true';
    const [database, storage, modelServer] = await Promise.all([
      Promise.resolve()
        .then(() => deps.database.ping())
        .then(
          () => ({ status: 'ok' as const, dialect: deps.database.dialect }),
          (error: unknown) => ({
            status: 'error' as const,
            dialect: deps.database.dialect,
            detail: failureKind(error),
          }),
        ),
      deps.storage.check().then(
        () => ({ status: 'ok' as const, backend: deps.storage.kind }),
        (error: unknown) => ({
          status: 'error' as const,
          backend: deps.storage.kind,
          detail: failureKind(error),
        }),
      ),
      askModelServer
        ? deps.modelClient.readiness()
        : Promise.resolve({ status: 'skipped' as const, detail: 'not asked (model_server=false)' }),
    ]);
    const ready = database.status === 'ok' && storage.status === 'ok';
    const body = {
      status: ready ? ('ready' as const) : ('not_ready' as const),
      checks: { database, storage, model_server: modelServer },
    };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });

  return router;
}

/**
 * What kind of failure a check met (an errno code such as `ENOTDIR`, an S3 error name such as `NoSuchBucket`), never
 * its message: /ready is public, and messages carry paths, bucket names and addresses.
 */
function failureKind(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'error';
}
