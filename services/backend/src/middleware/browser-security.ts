import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { ApiError } from '../errors.js';

/**
 * The Content-Security-Policy of every page this server sends (the web UI, Swagger UI): its own scripts, styles,
 * API and images only (`blob:` and `data:` for previews and icons), no plugins, and never inside another site's frame.
 */
const policy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
} satisfies Record<string, string[]>;

/** The policy as a header value, with more script sources (hashes of a page's inline scripts) when a page needs them. */
export function contentSecurityPolicy(extra: { scriptSrc?: string[] } = {}): string {
  const directives = { ...policy, scriptSrc: [...policy.scriptSrc, ...(extra.scriptSrc ?? [])] };
  return Object.entries(directives)
    .map(
      ([name, sources]) =>
        `${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} ${sources.join(' ')}`,
    )
    .join('; ');
}

/** For responses that are user content (uploaded and annotated images): nothing may run, even if opened directly. */
export const userContentPolicy = "default-src 'none'; sandbox";

/**
 * Hono's secure-headers: the policy above, `X-Frame-Options: DENY`, `nosniff`, `Referrer-Policy: no-referrer`,
 * cross-origin isolation headers. A route that set its own header (a page's inline-script hashes, user content)
 * keeps it. HSTS is left to whatever terminates TLS in front.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: policy,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    strictTransportSecurity: false,
    overwrite: false,
  });
}

/**
 * Refuses state-changing requests that a browser sends on behalf of another site (Hono's csrf: `Sec-Fetch-Site`
 * or `Origin` must be this origin or an allowed one), with the `{"error"}` body. A request that carries neither
 * header does not come from a browser (curl, SDKs, the smoke test) and passes.
 */
export function crossSiteProtection(allowedOrigins: string[]): MiddlewareHandler {
  const check = csrf({
    origin: (origin, c) => origin === new URL(c.req.url).origin || allowedOrigins.includes(origin),
  });
  return async function crossSiteProtection(c, next) {
    if (c.req.header('origin') === undefined && c.req.header('sec-fetch-site') === undefined) return next();
    try {
      return await check(c, next);
    } catch (error) {
      if (!(error instanceof HTTPException) || error.status !== 403) throw error;
      throw new ApiError(
        403,
        `cross-site request refused: ${c.req.header('origin') ?? 'another site'} may not ${c.req.method} here (allowed origins: CORS_ORIGINS)`,
      );
    }
  };
}

/** CORS for the allowed origins (none by default): they may call the API with a token and read its timing. */
export function corsPolicy(allowedOrigins: string[]): MiddlewareHandler {
  return cors({
    origin: allowedOrigins,
    allowMethods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Client-Id'],
    exposeHeaders: ['Location', 'ETag', 'Retry-After', 'Server-Timing', 'X-Request-Id'],
    maxAge: 600,
  });
}
