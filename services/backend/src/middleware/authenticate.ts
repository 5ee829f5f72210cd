import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { InvalidTokenError, type VerifiedToken } from '../auth/jwt-verifier.js';
import { anonymous, type Permission, type Principal } from '../auth/permissions.js';
import { ApiError } from '../errors.js';

export interface StaticToken {
  token: string;
  permissions: Permission[];
}

export interface AuthenticateOptions {
  /** Opaque tokens (API_TOKENS, ADMIN_TOKENS), compared in constant time. */
  tokens: StaticToken[];
  /** Verifies a JWT; absent when no JWT key source is configured. */
  verifyJwt?: ((token: string) => Promise<VerifiedToken>) | undefined;
  /** Requests this returns true for pass without a token. */
  isPublic?: (path: string) => boolean;
}

const realm = 'Bearer realm="detection-backend"';
/** A request on a public path while authentication is on: it may reach public routes only. */
const nobody: Principal = { subject: 'nobody', kind: 'anonymous', permissions: new Set() };
const digest = (value: string) => createHash('sha256').update(value).digest();
const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/**
 * Finds who is calling: `Authorization: Bearer <token>` with a static token or a JWT. With no credential source
 * configured everyone is `anonymous` with every permission. Sets `principal`; `requirePermission` decides per route.
 * Missing or invalid credentials are 401 with a `WWW-Authenticate` challenge (RFC 6750).
 */
export function authenticate({
  tokens,
  verifyJwt,
  isPublic = () => false,
}: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  const accepted = tokens.map((entry) => ({
    digest: digest(entry.token),
    permissions: new Set(entry.permissions),
  }));
  const enabled = accepted.length > 0 || verifyJwt !== undefined;
  const unauthorized = (c: Context, description: string, message: string) => {
    c.header('WWW-Authenticate', `${realm}, error="invalid_token", error_description="${description}"`);
    return new ApiError(401, message);
  };
  return async function authenticate(c, next) {
    if (!enabled) {
      c.set('principal', anonymous);
      return next();
    }
    if (isPublic(c.req.path)) {
      c.set('principal', nobody);
      return next();
    }
    const header = c.req.header('authorization');
    if (!header) {
      c.header('WWW-Authenticate', realm);
      throw new ApiError(401, 'authentication required: send "Authorization: Bearer <token>"');
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (!token) throw unauthorized(c, 'not a bearer token', 'invalid bearer token');
    const presented = digest(token);
    const match = accepted.find((entry) => timingSafeEqual(entry.digest, presented));
    let principal: Principal | undefined;
    if (match) principal = { subject: 'token', kind: 'static-token', permissions: match.permissions };
    else if (verifyJwt && looksLikeJwt(token)) {
      try {
        const verified = await verifyJwt(token);
        principal = { subject: verified.subject, kind: 'jwt', permissions: verified.permissions };
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        throw unauthorized(c, error.message, `invalid bearer token: ${error.message}`);
      }
    }
    if (!principal) throw unauthorized(c, 'unknown token', 'invalid bearer token');
    c.set('principal', principal);
    return next();
  };
}

/** 403 unless the authenticated principal holds `permission` (routes declare it with `requires`). */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    const principal = c.get('principal') ?? nobody;
    if (!principal.permissions.has(permission)) {
      c.header('WWW-Authenticate', `${realm}, error="insufficient_scope", scope="${permission}"`);
      throw new ApiError(403, `this credential lacks the "${permission}" permission`);
    }
    return next();
  };
}
