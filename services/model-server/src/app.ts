import { OpenAPIHono } from '@hono/zod-openapi';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { DataPlane } from './dataplane.js';
import { SERVER_VERSION } from './dataplane.js';
import { InvalidInputError, ModelBusyError, ModelServerError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { accessLog } from './protocol/access-log.js';
import { createV2Api } from './protocol/v2-api.js';

export interface AppDependencies {
  dataplane: DataPlane;
  metrics: ServerMetrics;
  logger: Logger;
  maxRequestBytes: number;
  /** When set, loading and unloading models needs `Authorization: Bearer <token>`. */
  repositoryToken?: string | null;
}

/** The HTTP application: OIP v2 routes, /metrics, /openapi.json; every error rendered as `{"error": "..."}`. */
export function createApp({ dataplane, metrics, logger, maxRequestBytes, repositoryToken }: AppDependencies) {
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new InvalidInputError(
          `invalid ${result.target}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
        );
      }
    },
  });

  app.use('*', requestId());
  app.use('*', accessLog({ logger, metrics }));
  // Once the server drains, responses ask clients to close their connection.
  app.use('*', async function closeWhileDraining(c, next) {
    await next();
    if (dataplane.isShuttingDown()) c.header('connection', 'close');
  });

  if (repositoryToken) {
    const refusal = (error: string) => ({ message: { error } });
    for (const action of ['load', 'unload']) {
      app.post(
        `/v2/repository/models/:name/${action}`,
        bearerAuth({
          token: repositoryToken,
          realm: 'model-repository',
          noAuthenticationHeader: refusal(
            `${action}ing a model needs "Authorization: Bearer <MODEL_REPOSITORY_TOKEN>"`,
          ),
          invalidAuthenticationHeader: refusal('the Authorization header is not "Bearer <token>"'),
          invalidToken: refusal('invalid repository token'),
        }),
      );
    }
  }

  app.route('/', createV2Api({ dataplane, maxRequestBytes }));

  app.get('/metrics', async (c) =>
    c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Detection model server (Open Inference Protocol v2)',
      version: SERVER_VERSION,
      description:
        'KServe v2 / Open Inference Protocol REST API with the binary tensor data and model repository extensions.',
    },
  });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof ModelServerError) {
      if (error.status === 500) logger.error({ err: error, request_id: c.get('requestId') }, error.message);
      if (error instanceof ModelBusyError) c.header('Retry-After', String(error.retryAfterSeconds));
      return c.json({ error: error.message }, error.status);
    }
    if (error instanceof HTTPException) {
      // A middleware that built its own `{"error"}` answer (bearer auth) keeps it, with its headers.
      if (error.res) return error.getResponse();
      return c.json({ error: error.message || 'request refused' }, error.status as ContentfulStatusCode);
    }
    logger.error({ err: error, request_id: c.get('requestId') }, 'unhandled error');
    return c.json({ error: 'internal server error' }, 500);
  });

  return app;
}
