import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { timing } from 'hono/timing';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.js';
import type { DetectionDatabase } from './db/client.js';
import { ApiError, errorHandler, validationHook } from './errors.js';
import { UrlFetcher } from './fetch/url-fetcher.js';
import { ImageRepository } from './images/image-repository.js';
import { ImageService } from './images/image-service.js';
import type { ModelClient } from './inference/model-client.js';
import type { Metrics } from './metrics.js';
import { accessLog } from './middleware/access-log.js';
import { bearerAuth } from './middleware/bearer-auth.js';
import { detectRouter } from './routes/detect/index.js';
import { docsRouter } from './routes/docs/index.js';
import { documentWithAuth } from './routes/docs/openapi-auth.js';
import { healthRouter } from './routes/health/index.js';
import { imagesRouter } from './routes/images/index.js';
import { modelsRouter } from './routes/models/index.js';
import { objectsRouter } from './routes/objects/index.js';
import type { BlobStorage } from './storage/storage.js';
import { staticUi } from './ui/static-ui.js';
import { serviceVersion } from './version.js';

export interface AppConfig {
  defaultModel: string;
  maxUploadBytes: number;
  maxImagePixels: number;
  apiTokens: string[];
  urlFetch: { allowPrivate: boolean; timeoutMs: number };
  webUiDir: string;
}

export interface AppDependencies {
  db: DetectionDatabase;
  storage: BlobStorage;
  modelClient: ModelClient;
  metrics: Metrics;
  logger: Logger;
  config: AppConfig;
}

const publicPaths = new Set(['/health', '/ready', '/openapi.json', '/docs', '/docs/']);
const apiPrefixes = [
  '/images',
  '/detect',
  '/models',
  '/health',
  '/ready',
  '/docs',
  '/openapi.json',
  '/metrics',
];

const isApiPath = (path: string) =>
  apiPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

export interface App {
  app: OpenAPIHono<AppEnv>;
  service: ImageService;
  repository: ImageRepository;
}

/** The composition root: wires the repository, services and routers, and the one error and validation channel. */
export function createApp(deps: AppDependencies): App {
  const { config, logger, metrics } = deps;
  const repository = new ImageRepository(deps.db);
  const service = new ImageService({
    repository,
    storage: deps.storage,
    modelClient: deps.modelClient,
    metrics,
    logger,
    defaultModel: config.defaultModel,
    maxImagePixels: config.maxImagePixels,
  });
  const fetcher = new UrlFetcher({
    maxBytes: config.maxUploadBytes,
    timeoutMs: config.urlFetch.timeoutMs,
    allowPrivate: config.urlFetch.allowPrivate,
  });

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, strict: false });
  app.onError(errorHandler(logger));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.use('*', requestId());
  app.use('*', timing({ totalDescription: 'backend' }));
  app.use('*', accessLog({ logger, metrics }));
  app.use(
    '*',
    bearerAuth({
      tokens: config.apiTokens,
      isPublic: (path) => publicPaths.has(path) || path.startsWith('/docs/assets/') || !isApiPath(path),
    }),
  );

  app.route('/', healthRouter({ repository, storage: deps.storage, modelClient: deps.modelClient }));
  app.route('/images', imagesRouter({ service, repository, fetcher, ...config }));
  app.route('/images', objectsRouter({ repository }));
  app.route('/detect', detectRouter({ service, fetcher, maxUploadBytes: config.maxUploadBytes }));
  app.route('/models', modelsRouter({ modelClient: deps.modelClient, defaultModel: config.defaultModel }));
  app.route('/docs', docsRouter());
  app.get('/metrics', async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics(), 200);
  });

  const authOn = config.apiTokens.length > 0;
  if (authOn) {
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      description:
        'One of the tokens in API_TOKENS. Swagger UI: **Authorize**, paste the token (without "Bearer").',
    });
  }
  const document = documentWithAuth(
    app.getOpenAPIDocument({
      openapi: '3.0.3',
      info: {
        title: 'Detection backend',
        version: serviceVersion,
        description:
          'Upload images, detect objects with the model server (Open Inference Protocol), store and query them. ' +
          'Errors are always `{"error": "…"}`.' +
          (authOn ? ' Every route except /health and /ready needs `Authorization: Bearer <token>`.' : ''),
      },
      ...(authOn ? { security: [{ bearerAuth: [] }] } : {}),
    }),
    authOn,
  );
  app.get('/openapi.json', (c) => c.json(document));

  app.get('*', staticUi({ root: config.webUiDir, isApiPath }));
  app.all('*', () => {
    throw new ApiError(404, 'not found');
  });

  return { app, service, repository };
}
