import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const booleanFromString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

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
    STORAGE_BACKEND: z.enum(['fs', 's3']).default('fs'),
    STORAGE_DIR: z.string().min(1).default('./data/images'),
    S3_BUCKET: z.string().optional(),
    S3_PREFIX: z.string().default(''),
    S3_REGION: z.string().default('us-east-1'),
    S3_ENDPOINT: z.url().optional(),
    S3_FORCE_PATH_STYLE: booleanFromString,
    MAX_UPLOAD_BYTES: positiveInt.default(20_971_520),
    MAX_IMAGE_PIXELS: positiveInt.default(40_000_000),
    API_TOKENS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((token) => token.trim())
          .filter((token) => token.length > 0),
      ),
    URL_FETCH_ALLOW_PRIVATE: booleanFromString,
    URL_FETCH_TIMEOUT_MS: positiveInt.default(10_000),
    MODEL_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
    MODEL_RETRY_DEADLINE_MS: z.coerce.number().int().min(0).default(120_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WEB_UI_DIR: z.string().min(1).default(path.resolve(packageRoot, '../web/dist')),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  })
  .superRefine((env, ctx) => {
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
