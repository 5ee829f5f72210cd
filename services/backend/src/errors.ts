import type { Hook } from '@hono/zod-openapi';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import type { AppEnv } from './app-env.js';

/**
 * An error that carries the HTTP status and the message the client sees; `details` are merged into the body, and
 * `retryAfterSeconds` becomes a `Retry-After` header (overload: when to come back).
 */
export class ApiError extends Error {
  readonly retryAfterSeconds: number | null;

  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown; retryAfterSeconds?: number | null },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
  }
}

export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : 'request';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** The one validation hook for every route: any schema failure becomes a 400 `{error}`. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const target = 'target' in result ? String(result.target) : 'request';
    return c.json({ error: `invalid ${target}: ${describeZodError(result.error as ZodError)}` }, 400);
  }
  return undefined;
};

/** Renders every error as `{"error": "..."}`; unexpected errors are logged and hidden behind a 500. */
export function errorHandler(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) {
      if (err.status >= 500) logger.warn({ err, path: c.req.path }, err.message);
      if (err.retryAfterSeconds !== null) c.header('Retry-After', String(err.retryAfterSeconds));
      return c.json({ error: err.message, ...err.details }, err.status);
    }
    if (err instanceof HTTPException) {
      if (err.status === 415) {
        const type = c.req.header('content-type') ?? 'none';
        return c.json(
          {
            error: `unsupported media type "${type}": send multipart/form-data (field "file") or application/json`,
          },
          415,
        );
      }
      const message = err.message || defaultMessage(err.status);
      return c.json({ error: message }, err.status);
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal server error' }, 500);
  };
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 413:
      return 'request body too large';
    default:
      return `request failed with status ${status}`;
  }
}
