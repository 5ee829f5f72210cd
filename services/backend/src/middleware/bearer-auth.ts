import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';

export interface BearerAuthOptions {
  /** Accepted tokens; an empty list turns authentication off. */
  tokens: string[];
  /** Requests this returns true for pass without a token. */
  isPublic?: (path: string) => boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` with one of the configured tokens (compared in constant time).
 *
 * @example
 * app.use('*', bearerAuth({ tokens: ['s3cret'], isPublic: (path) => path === '/health' }))
 */
export function bearerAuth({ tokens, isPublic = () => false }: BearerAuthOptions): MiddlewareHandler {
  const accepted = tokens.map(digest);
  return async function bearerAuth(c, next) {
    if (accepted.length === 0 || isPublic(c.req.path)) return next();
    const header = c.req.header('authorization');
    if (!header) {
      c.header('WWW-Authenticate', 'Bearer realm="detection-backend"');
      throw new ApiError(401, 'authentication required: send "Authorization: Bearer <token>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const presented = match ? digest(match[1]!) : null;
    if (!presented || !accepted.some((token) => timingSafeEqual(token, presented))) {
      c.header('WWW-Authenticate', 'Bearer realm="detection-backend", error="invalid_token"');
      throw new ApiError(401, 'invalid bearer token');
    }
    return next();
  };
}
