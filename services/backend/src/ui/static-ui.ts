import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import { serviceVersion } from '../version.js';

export interface StaticUiOptions {
  /** The built web UI (index.html and its assets). */
  root: string;
  /** True for paths that belong to the API: they never fall back to index.html. */
  isApiPath: (path: string) => boolean;
}

const acceptsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

/**
 * Serves the web UI's files at `/`, with index.html as the fallback for client-side routes (GET requests that
 * accept HTML). Without a built UI, `/` answers a JSON pointer to the API docs.
 *
 * @example
 * app.get('*', staticUi({ root: '/srv/web', isApiPath: (p) => p.startsWith('/images') }))
 */
export function staticUi({ root, isApiPath }: StaticUiOptions): MiddlewareHandler {
  const absoluteRoot = path.resolve(root);
  const indexFile = path.join(absoluteRoot, 'index.html');
  let handlers: { files: MiddlewareHandler; index: MiddlewareHandler } | undefined;
  /** Once the built UI is found it is assumed to stay; until then every request looks again. */
  let built = false;

  return async function staticUi(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    if (isApiPath(c.req.path)) return next();
    built ||= fs.existsSync(indexFile);
    if (!built) {
      if (c.req.path === '/') {
        return c.json(
          {
            name: '@detection/backend',
            version: serviceVersion,
            message: `no web UI is built at ${absoluteRoot}; the API is documented at /docs`,
            docs: '/docs',
            openapi: '/openapi.json',
          },
          200,
        );
      }
      return next();
    }
    handlers ??= {
      files: serveStatic({ root: absoluteRoot }),
      index: serveStatic({ root: absoluteRoot, path: 'index.html' }),
    };
    const served = await handlers.files(c, async () => {});
    if (served) return served;
    if (c.res.status !== 404 && c.finalized) return c.res;
    if (acceptsHtml(c)) {
      const fallback = await handlers.index(c, async () => {});
      if (fallback) return fallback;
    }
    throw new ApiError(404, `no route or file for ${c.req.method} ${c.req.path}`);
  };
}
