import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { ServerMetrics } from '../metrics.js';

const QUIET_ROUTES = new Set(['/v2/health/live', '/v2/health/ready', '/metrics']);

export interface AccessLogOptions {
  logger: Logger;
  metrics: ServerMetrics;
}

/**
 * One structured log line and one metrics sample per request, with the route pattern (not the raw path) as
 * label. Probes and scrapes log at debug level.
 *
 * @example app.use('*', accessLog({ logger, metrics }))
 */
export function accessLog({ logger, metrics }: AccessLogOptions): MiddlewareHandler {
  return async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const route = c.req.routePath === '*' ? routePath(c, -1) : c.req.routePath;
    const matched = route && route !== '*' ? route : 'unmatched';
    metrics.httpRequest(c.req.method, matched, c.res.status);
    const entry = {
      request_id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      route: matched,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (QUIET_ROUTES.has(matched)) logger.debug(entry, 'request');
    else if (c.res.status >= 500 && c.res.status !== 503) logger.error(entry, 'request');
    else logger.info(entry, 'request');
  };
}
