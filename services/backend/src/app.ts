import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { timing } from 'hono/timing';
import type { Logger } from 'pino';
import type { AppEnv } from './app-env.js';
import { createJwtVerifier, type JwtSettings } from './auth/jwt-verifier.js';
import { type Permission, permissions } from './auth/permissions.js';
import type { Database } from './db/database.js';
import type { ImageRepository } from './db/image-repository.js';
import { DeploymentManager, type DeploymentSettings } from './deployments/deployment-manager.js';
import type { DeploymentTarget } from './deployments/deployment-target.js';
import { ApiError, errorHandler, validationHook } from './errors.js';
import { UrlFetcher } from './fetch/url-fetcher.js';
import { ImageService } from './images/image-service.js';
import type { ModelClient } from './inference/model-client.js';
import type { Metrics } from './metrics.js';
import { accessLog } from './middleware/access-log.js';
import { type WorkLimit, WorkQueue } from './middleware/admission.js';
import { authenticate, requirePermission } from './middleware/authenticate.js';
import { corsPolicy, crossSiteProtection, securityHeaders } from './middleware/browser-security.js';
import { deploymentsRouter } from './routes/deployments/index.js';
import { detectRouter } from './routes/detect/index.js';
import { docsRouter } from './routes/docs/index.js';
import { documentWithAuth } from './routes/docs/openapi-auth.js';
import { healthRouter } from './routes/health/index.js';
import { imagesRouter } from './routes/images/index.js';
import { jobsRouter } from './routes/jobs/index.js';
import { labelsRouter } from './routes/labels/index.js';
import { modelsRouter } from './routes/models/index.js';
import { objectsRouter } from './routes/objects/index.js';
import { videosRouter } from './routes/videos/index.js';
import type { BlobStorage } from './storage/storage.js';
import { staticUi } from './ui/static-ui.js';
import { serviceVersion } from './version.js';
import { ffmpegBinaries } from './video/ffmpeg-binaries.js';
import type { VideoConfig } from './video/video-config.js';
import { VideoService } from './video/video-service.js';
import { createVideoWorkers, type VideoWorkers } from './video/video-workers.js';

export type { VideoConfig };

export interface AppConfig {
  defaultModel: string;
  maxUploadBytes: number;
  maxImagePixels: number;
  /** Opaque bearer tokens (API_TOKENS), with `apiTokenPermissions`. */
  apiTokens: string[];
  /** Permissions of the API_TOKENS (API_TOKEN_PERMISSIONS); all of them by default. */
  apiTokenPermissions?: Permission[];
  /** Opaque tokens with every permission, admin included (ADMIN_TOKENS). */
  adminTokens?: string[];
  /** JWT bearer tokens, when a key source is configured. */
  jwt?: JwtSettings | undefined;
  urlFetch: { allowPrivate: boolean; timeoutMs: number };
  webUiDir: string;
  /** Names this process in the pending-blob rows it writes (REPLICA_ID). */
  replicaId: string;
  uploadGracePeriodMs: number;
  /**
   * Admission control: image uploads (POST /images), video uploads (POST /videos), detections (POST /detect,
   * re-detection), annotated images and videos.
   */
  admission: { uploads: WorkLimit; videoUploads: WorkLimit; detections: WorkLimit; annotations: WorkLimit };
  /** The longer side of `/images/{id}/annotated`; larger images are drawn scaled down. */
  annotatedMaxSide: number;
  /** Other origins whose pages may call the API from a browser (CORS, and allowed through the CSRF check). */
  corsOrigins: string[];
  video: VideoConfig;
  /** How long a new model version may take to become ready, and how often a rollout is looked at. */
  deployments: DeploymentSettings;
}

export interface AppDependencies {
  database: Database;
  storage: BlobStorage;
  modelClient: ModelClient;
  /** Where model deployments run: the local model server or a Kubernetes cluster. */
  deploymentTarget: DeploymentTarget;
  metrics: Metrics;
  logger: Logger;
  config: AppConfig;
}

const publicPaths = new Set(['/health', '/ready', '/openapi.json', '/docs', '/docs/']);
const apiPrefixes = [
  '/images',
  '/labels',
  '/detect',
  '/models',
  '/videos',
  '/jobs',
  '/deployments',
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
  /** This process's video workers: started by the server (`start()`), stopped before the database closes. */
  videoWorkers: VideoWorkers;
  /** Stop it (`close()`) before the database: it may be watching a rollout. */
  deployments: DeploymentManager;
}

/** The composition root: wires the repository, services and routers, and the one error and validation channel. */
export function createApp(deps: AppDependencies): App {
  const { config, logger, metrics } = deps;
  const repository = deps.database.images;
  const deployments = new DeploymentManager({
    repository: deps.database.deployments,
    target: deps.deploymentTarget,
    logger,
    settings: config.deployments,
  });
  const service = new ImageService({
    repository,
    pendingBlobs: deps.database.pendingBlobs,
    storage: deps.storage,
    modelClient: deps.modelClient,
    metrics,
    logger,
    defaultModel: config.defaultModel,
    maxImagePixels: config.maxImagePixels,
    replicaId: config.replicaId,
    uploadGracePeriodMs: config.uploadGracePeriodMs,
    route: (model, clientKey) => deployments.routeFor(model, clientKey),
  });
  const fetcher = new UrlFetcher({
    maxBytes: config.maxUploadBytes,
    timeoutMs: config.urlFetch.timeoutMs,
    allowPrivate: config.urlFetch.allowPrivate,
  });

  const binaries = ffmpegBinaries({
    ffmpegPath: config.video.ffmpegPath,
    ffprobePath: config.video.ffprobePath,
  });
  const videoWorkers = createVideoWorkers(config.video, config.replicaId, {
    videos: deps.database.videos,
    storage: deps.storage,
    modelClient: deps.modelClient,
    route: (model, clientKey) => deployments.routeFor(model, clientKey),
    logger,
    metrics,
  });
  const videoService = new VideoService({
    videos: deps.database.videos,
    pendingBlobs: deps.database.pendingBlobs,
    storage: deps.storage,
    binaries,
    logger,
    defaultModel: config.defaultModel,
    defaultSampleFps: config.video.defaultSampleFps,
    limits: { maxSeconds: config.video.maxSeconds, maxPixels: config.video.maxPixels },
    probeTimeoutMs: config.video.probeTimeoutMs,
    tempDir: config.video.tempDir,
    replicaId: config.replicaId,
    uploadGracePeriodMs: config.uploadGracePeriodMs,
    onEnqueued: () => videoWorkers.wake(),
    annotatedMaxSide: config.annotatedMaxSide,
    stallTimeoutMs: config.video.stallTimeoutMs,
  });
  const videoFetcher = new UrlFetcher({
    maxBytes: config.video.maxBytes,
    timeoutMs: config.urlFetch.timeoutMs,
    allowPrivate: config.urlFetch.allowPrivate,
    accept: 'video/mp4, video/webm, video/*;q=0.8',
  });

  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, strict: false });
  app.onError(errorHandler(logger));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.use('*', requestId());
  app.use('*', timing({ totalDescription: 'backend' }));
  app.use('*', accessLog({ logger, metrics }));
  if (config.corsOrigins.length > 0) app.use('*', corsPolicy(config.corsOrigins));
  app.use('*', securityHeaders());
  app.use('*', crossSiteProtection(config.corsOrigins));
  const tokens = [
    ...config.apiTokens.map((token) => ({
      token,
      permissions: config.apiTokenPermissions ?? [...permissions],
    })),
    ...(config.adminTokens ?? []).map((token) => ({ token, permissions: [...permissions] })),
  ];
  const authEnabled = tokens.length > 0 || config.jwt !== undefined;
  app.use(
    '*',
    authenticate({
      tokens,
      verifyJwt: config.jwt ? createJwtVerifier(config.jwt) : undefined,
      isPublic: (path) => publicPaths.has(path) || path.startsWith('/docs/assets/') || !isApiPath(path),
    }),
  );

  // Heavy requests take a slot after authentication and before their body is read.
  const work = {
    uploads: new WorkQueue('uploads', config.admission.uploads, metrics, logger),
    videoUploads: new WorkQueue('video uploads', config.admission.videoUploads, metrics, logger),
    detections: new WorkQueue('detections', config.admission.detections, metrics, logger),
    annotations: new WorkQueue('annotations', config.admission.annotations, metrics, logger),
  };
  app.on('POST', '/images', work.uploads.middleware());
  app.on('POST', '/videos', work.videoUploads.middleware());
  app.on('POST', ['/detect', '/images/:image_id/detections'], work.detections.middleware());
  app.on('GET', '/detect', work.detections.middleware());
  app.on(
    'GET',
    ['/images/:image_id/annotated', '/videos/:video_id/annotated'],
    work.annotations.middleware(),
  );

  app.route(
    '/',
    healthRouter({ database: deps.database, storage: deps.storage, modelClient: deps.modelClient }),
  );
  app.route('/images', imagesRouter({ service, repository, fetcher, ...config }));
  app.route('/images', objectsRouter({ repository }));
  app.route('/labels', labelsRouter({ repository }));
  app.route('/detect', detectRouter({ service, fetcher, maxUploadBytes: config.maxUploadBytes }));
  app.route('/models', modelsRouter({ modelClient: deps.modelClient, defaultModel: config.defaultModel }));
  app.route(
    '/videos',
    videosRouter({
      service: videoService,
      videos: deps.database.videos,
      fetcher: videoFetcher,
      maxVideoBytes: config.video.maxBytes,
    }),
  );
  app.route(
    '/jobs',
    jobsRouter({
      videos: deps.database.videos,
      eventsPollMs: config.video.eventsPollMs,
      keepAliveMs: config.video.eventsKeepAliveMs,
    }),
  );
  app.route('/deployments', deploymentsRouter({ manager: deployments }));
  app.route('/docs', docsRouter());
  app.get('/metrics', requirePermission('read'), async (c) => {
    c.header('Content-Type', metrics.registry.contentType);
    return c.body(await metrics.registry.metrics(), 200);
  });

  if (authEnabled) {
    app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'opaque token or JWT',
      description:
        'A static token (API_TOKENS, ADMIN_TOKENS) or a JWT from the configured issuer. Each operation names the ' +
        'permission it needs in `x-required-permission` (read, detect or admin): 401 without a valid token, 403 ' +
        'with one that lacks the permission. Swagger UI: **Authorize**, paste the token (without "Bearer").',
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
          (authEnabled
            ? ' Every route except /health and /ready needs `Authorization: Bearer <token>`.'
            : ''),
      },
      ...(authEnabled ? { security: [{ bearerAuth: [] }] } : {}),
    }),
    authEnabled,
  );
  app.get('/openapi.json', (c) => c.json(document));

  app.get('*', staticUi({ root: config.webUiDir, isApiPath }));
  app.all('*', () => {
    throw new ApiError(404, 'not found');
  });

  return { app, service, repository, videoWorkers, deployments };
}
