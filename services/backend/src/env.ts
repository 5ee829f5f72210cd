import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  type AsymmetricAlgorithm,
  asymmetricAlgorithms,
  type JwtSettings,
  parsePublicKey,
} from './auth/jwt-verifier.js';
import { type Permission, permissions } from './auth/permissions.js';
import type { VideoConfig } from './video/video-config.js';

const booleanFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    HOST: z.string().min(1).default('0.0.0.0'),
    MODEL_SERVER_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
    MODEL_SERVER_PROTOCOL: z.enum(['rest', 'grpc']).default('rest'),
    MODEL_SERVER_GRPC_ADDRESS: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'host:port, e.g. 127.0.0.1:8081')
      .default('127.0.0.1:8081'),
    DEFAULT_MODEL: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/)
      .default('centernet-coco'),
    DATABASE_PATH: z.string().min(1).default('./data/detections.sqlite'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATABASE_POOL_MAX: positiveInt.max(1000).default(10),
    REPLICA_ID: z
      .string()
      .min(1)
      .max(200)
      .default(() => `${os.hostname()}-${process.pid}`),
    UPLOAD_GRACE_PERIOD_MS: positiveInt.default(900_000),
    BLOB_SWEEP_INTERVAL_MS: positiveInt.default(60_000),
    BLOB_SWEEP_BATCH_SIZE: positiveInt.max(10_000).default(100),
    STORAGE_BACKEND: z.enum(['fs', 's3']).default('fs'),
    STORAGE_DIR: z.string().min(1).default('./data/images'),
    S3_BUCKET: z.string().optional(),
    S3_PREFIX: z
      .string()
      .regex(
        /^([A-Za-z0-9][A-Za-z0-9_.-]*\/)*([A-Za-z0-9][A-Za-z0-9_.-]*)?$/,
        'must be a relative folder such as "team-a/" (letters, digits, "_", ".", "-", "/")',
      )
      .default(''),
    S3_REGION: z.string().default('us-east-1'),
    S3_ENDPOINT: z.url().optional(),
    S3_FORCE_PATH_STYLE: booleanFromString,
    MAX_UPLOAD_BYTES: positiveInt.default(20_971_520),
    MAX_IMAGE_PIXELS: positiveInt.default(40_000_000),
    API_TOKENS: commaList,
    API_TOKEN_PERMISSIONS: commaList
      .pipe(z.array(z.enum(permissions, { error: 'must list read, detect and/or admin' })))
      .transform((list) => (list.length > 0 ? list : [...permissions])),
    ADMIN_TOKENS: commaList,
    JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    JWT_PUBLIC_KEY: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    JWT_ALGORITHMS: commaList
      .pipe(
        z.array(
          z.enum(asymmetricAlgorithms, {
            error: `must list asymmetric algorithms (${asymmetricAlgorithms.join(', ')}); HS* and none are refused`,
          }),
        ),
      )
      .transform((list) => (list.length > 0 ? list : (['RS256', 'ES256'] as AsymmetricAlgorithm[]))),
    JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
    JWT_PERMISSIONS_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, 'must be a claim name, dots reaching into objects')
      .default('scope'),
    JWT_PERMISSION_MAP: commaList.transform((pairs, ctx) => {
      const map: Record<string, Permission> = {};
      for (const pair of pairs.length > 0 ? pairs : ['read:read', 'detect:detect', 'admin:admin']) {
        const at = pair.lastIndexOf(':');
        const permission = pair.slice(at + 1) as Permission;
        if (at <= 0 || !permissions.includes(permission)) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not "<claim value>:<read|detect|admin>"` });
          continue;
        }
        map[pair.slice(0, at)] = permission;
      }
      return map;
    }),
    JWT_JWKS_CACHE_MAX_AGE_MS: positiveInt.default(600_000),
    JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
    URL_FETCH_ALLOW_PRIVATE: booleanFromString,
    URL_FETCH_TIMEOUT_MS: positiveInt.default(10_000),
    MODEL_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
    MODEL_RETRY_DEADLINE_MS: z.coerce.number().int().min(0).default(120_000),
    DEPLOYMENT_TARGET: z.enum(['local', 'kubernetes']).default('local'),
    DEPLOY_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name')
      .max(63)
      .optional(),
    DEPLOY_RUNTIME: z.string().min(1).default('detection-onnx'),
    DEPLOY_STORAGE_URI: z
      .string()
      .regex(
        /^(pvc|s3|gs|https?):\/\/\S+$/,
        'must be a storage URI KServe reads (pvc://, s3://, gs://, https://)',
      )
      .optional(),
    DEPLOY_TEMPLATE: z
      .string()
      .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be the name of an InferenceService')
      .optional(),
    DEPLOY_MODELS: commaList.refine(
      (names) => names.every((name) => /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)),
      'must be model names that are Kubernetes names, separated by commas',
    ),
    DEPLOY_READY_DEADLINE_MS: positiveInt.min(1_000).default(300_000),
    DEPLOY_POLL_INTERVAL_MS: positiveInt.default(1_000),
    MODEL_REPOSITORY_TOKEN: z.string().min(16).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WEB_UI_DIR: z.string().min(1).default(path.resolve(packageRoot, '../web/dist')),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
    MAX_UPLOADS_IN_FLIGHT: positiveInt.default(4),
    // A video upload is parsed in memory (multipart → File → bytes): a 100 MiB one took the process's peak RSS
    // from 167 to 671 MB, four at once to 1.65 GB (backend README, "Overload and memory").
    MAX_VIDEO_UPLOADS_IN_FLIGHT: positiveInt.default(1),
    MAX_DETECTIONS_IN_FLIGHT: positiveInt.default(4),
    MAX_ANNOTATIONS_IN_FLIGHT: positiveInt.default(2),
    ADMISSION_QUEUE_LENGTH: z.coerce.number().int().min(0).default(16),
    ADMISSION_QUEUE_TIMEOUT_MS: positiveInt.default(30_000),
    ANNOTATED_MAX_SIDE: positiveInt.min(64).default(2048),
    VIDEO_WORKERS: z.coerce.number().int().min(0).max(64).default(1),
    MAX_VIDEO_BYTES: positiveInt.default(209_715_200),
    MAX_VIDEO_SECONDS: positiveInt.default(600),
    MAX_VIDEO_PIXELS: positiveInt.default(8_294_400),
    VIDEO_DEFAULT_FPS: z.coerce.number().positive().max(60).default(2),
    VIDEO_FRAME_CONCURRENCY: positiveInt.max(64).default(4),
    VIDEO_JOB_LEASE_MS: positiveInt.min(1000).default(30_000),
    VIDEO_JOB_MAX_ATTEMPTS: positiveInt.max(100).default(3),
    VIDEO_POLL_INTERVAL_MS: positiveInt.default(1000),
    VIDEO_EVENTS_POLL_MS: positiveInt.min(50).default(500),
    VIDEO_EVENTS_KEEPALIVE_MS: positiveInt.min(100).default(15_000),
    VIDEO_TEMP_DIR: z
      .string()
      .min(1)
      .default(() => os.tmpdir()),
    FFMPEG_PATH: z.string().min(1).optional(),
    FFPROBE_PATH: z.string().min(1).optional(),
    FFMPEG_STALL_TIMEOUT_MS: positiveInt.default(30_000),
    FFPROBE_TIMEOUT_MS: positiveInt.default(30_000),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(20_000),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(120_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(65_000),
    MAX_CONNECTIONS: positiveInt.default(1024),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin.length > 0),
      )
      .pipe(
        z.array(
          z
            .url({ protocol: /^https?$/ })
            .refine(
              (origin) => URL.canParse(origin) && new URL(origin).origin === origin.replace(/\/$/, ''),
              {
                message: 'must be an origin: scheme, host and port only (https://app.example.com)',
              },
            )
            .transform((origin) => new URL(origin).origin),
        ),
      ),
  })
  .superRefine((env, ctx) => {
    // An upload in flight must never look abandoned: it can wait for the model server up to its retry deadline.
    const longestUploadMs = env.MODEL_RETRY_DEADLINE_MS + env.MODEL_REQUEST_TIMEOUT_MS;
    if (env.UPLOAD_GRACE_PERIOD_MS <= longestUploadMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPLOAD_GRACE_PERIOD_MS'],
        message: `must be longer than an upload can take (MODEL_RETRY_DEADLINE_MS + MODEL_REQUEST_TIMEOUT_MS = ${longestUploadMs} ms)`,
      });
    }
    const jwtSources = [env.JWT_JWKS_URL, env.JWT_PUBLIC_KEY].filter(Boolean).length;
    if (jwtSources > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_PUBLIC_KEY'],
        message: 'set JWT_JWKS_URL or JWT_PUBLIC_KEY, not both',
      });
    if (jwtSources > 0) {
      for (const name of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (!env[name])
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required when JWT bearer tokens are accepted',
          });
      }
    }
    if (env.JWT_JWKS_URL) {
      const url = new URL(env.JWT_JWKS_URL);
      if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_JWKS_URL'],
          message: 'must be https (http only on loopback)',
        });
    }
    if (env.JWT_PUBLIC_KEY) {
      try {
        parsePublicKey(env.JWT_PUBLIC_KEY);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_PUBLIC_KEY'],
          message: `is not a public key in PEM or JWK form (${(error as Error).message})`,
        });
      }
    }
    if (env.DEPLOYMENT_TARGET === 'kubernetes' && env.MODEL_SERVER_PROTOCOL === 'grpc') {
      ctx.addIssue({
        code: 'custom',
        path: ['MODEL_SERVER_PROTOCOL'],
        message:
          'must be rest with DEPLOYMENT_TARGET=kubernetes (detections go to each deployment’s own URL)',
      });
    }
    if (env.DEPLOYMENT_TARGET === 'kubernetes' && env.DEPLOY_MODELS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEPLOY_MODELS'],
        message:
          'is required with DEPLOYMENT_TARGET=kubernetes (the models that may be deployed, e.g. centernet-coco,blazeface)',
      });
    }
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HEADERS_TIMEOUT_MS'],
        message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
      });
    }
    if (env.STORAGE_BACKEND === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_BUCKET'],
        message: 'S3_BUCKET is required when STORAGE_BACKEND=s3',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Parses and validates the process environment; throws one error listing every invalid variable. */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid environment:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** JWT verification settings, or undefined when no key source (JWKS URL or public key) is configured. */
export function jwtSettings(env: Env): JwtSettings | undefined {
  if (!env.JWT_JWKS_URL && !env.JWT_PUBLIC_KEY) return undefined;
  return {
    jwksUrl: env.JWT_JWKS_URL,
    publicKey: env.JWT_PUBLIC_KEY,
    issuer: env.JWT_ISSUER!,
    audience: env.JWT_AUDIENCE!,
    algorithms: env.JWT_ALGORITHMS,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_S,
    permissionsClaim: env.JWT_PERMISSIONS_CLAIM,
    permissionValues: env.JWT_PERMISSION_MAP,
    jwksCacheMaxAgeMs: env.JWT_JWKS_CACHE_MAX_AGE_MS,
    jwksCooldownMs: env.JWT_JWKS_COOLDOWN_MS,
  };
}

export type DatabaseSettings =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; url: string; poolMax: number; applicationName: string };

/** PostgreSQL when DATABASE_URL is set, SQLite on DATABASE_PATH otherwise. */
export function databaseSettings(env: Env): DatabaseSettings {
  if (env.DATABASE_URL) {
    return {
      dialect: 'postgres',
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      applicationName: `detection-backend ${env.REPLICA_ID}`.slice(0, 63),
    };
  }
  return { dialect: 'sqlite', path: env.DATABASE_PATH };
}

/** Video uploads and workers: the VIDEO_*, MAX_VIDEO_* and FFMPEG_* variables. */
export function videoConfig(env: Env): VideoConfig {
  return {
    maxBytes: env.MAX_VIDEO_BYTES,
    maxSeconds: env.MAX_VIDEO_SECONDS,
    maxPixels: env.MAX_VIDEO_PIXELS,
    defaultSampleFps: env.VIDEO_DEFAULT_FPS,
    workers: env.VIDEO_WORKERS,
    frameConcurrency: env.VIDEO_FRAME_CONCURRENCY,
    leaseMs: env.VIDEO_JOB_LEASE_MS,
    maxAttempts: env.VIDEO_JOB_MAX_ATTEMPTS,
    pollIntervalMs: env.VIDEO_POLL_INTERVAL_MS,
    eventsPollMs: env.VIDEO_EVENTS_POLL_MS,
    eventsKeepAliveMs: env.VIDEO_EVENTS_KEEPALIVE_MS,
    tempDir: env.VIDEO_TEMP_DIR,
    ffmpegPath: env.FFMPEG_PATH,
    ffprobePath: env.FFPROBE_PATH,
    stallTimeoutMs: env.FFMPEG_STALL_TIMEOUT_MS,
    probeTimeoutMs: env.FFPROBE_TIMEOUT_MS,
  };
}
