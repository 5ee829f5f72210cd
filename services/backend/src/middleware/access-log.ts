import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';

/**
 * Logs one line per request and records request count and duration by route pattern (never by raw path, so ids
 * do not explode the metric's cardinality).
 *
 * @example
 * app.use('*', accessLog({ logger, metrics }))
 */
export function accessLog({ logger, metrics }: { logger: Logger; metrics: Metrics }): MiddlewareHandler {
  return async function accessLog(c, next) {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePath(c) || 'unmatched';
    const labels = { method: c.req.method, route: route === '/*' || route === '*' ? 'other' : route };
    metrics.httpRequests.inc({ ...labels, status: String(c.res.status) });
    metrics.httpDuration.observe(labels, seconds);
    const level = c.res.status >= 500 ? 'warn' : 'info';
    logger[level](
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(seconds * 100_000) / 100,
      },
      'request',
    );
  };
}
