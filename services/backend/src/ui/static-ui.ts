import fs from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { etag } from 'hono/etag';
import { ApiError } from '../errors.js';
import { serviceVersion } from '../version.js';

export interface StaticUiOptions {
  /** The built web UI (index.html and its assets). */
  root: string;
  /** True for paths that belong to the API: they never fall back to index.html. */
  isApiPath: (path: string) => boolean;
}

const acceptsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

/** Vite's output under assets/ has a content hash in every file name: it never changes, so it is cached for good. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, favicon.svg) is revalidated with its ETag on every use. */
export const REVALIDATE_CACHE = 'no-cache';
const isHashedAsset = (path: string) => path.startsWith('/assets/');
const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|map|txt)$/;

/**
 * Serves the web UI's files at `/`, with index.html as the fallback for client-side routes (GET requests that
 * accept HTML). Without a built UI, `/` answers a JSON pointer to the API docs.
 *
 * The web build writes a brotli (`.br`) and a gzip (`.gz`) copy next to every text file; the one the browser
 * accepts is sent as it is (`Content-Encoding`, `Vary: Accept-Encoding`), so nothing is compressed per request.
 * Hashed assets are `immutable`; index.html and the other unhashed files carry an ETag and `no-cache`.
 *
 * @example
 * app.get('*', staticUi({ root: '/srv/web', isApiPath: (p) => p.startsWith('/images') }))
 */
export function staticUi({ root, isApiPath }: StaticUiOptions): MiddlewareHandler {
  const absoluteRoot = path.resolve(root);
  const indexFile = path.join(absoluteRoot, 'index.html');
  let handlers: { files: MiddlewareHandler; index: MiddlewareHandler } | undefined;
  const withEtag = etag();
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
      files: serveStatic({ root: absoluteRoot, precompressed: true }),
      index: serveStatic({ root: absoluteRoot, path: 'index.html', precompressed: true }),
    };
    const { files, index } = handlers;
    const serve = async (handler: MiddlewareHandler, servedPath: string) => {
      const hashed = isHashedAsset(servedPath);
      c.header('Cache-Control', hashed ? IMMUTABLE_CACHE : REVALIDATE_CACHE);
      const response = (await handler(c, async () => {})) as Response | undefined;
      if (!response) {
        c.header('Cache-Control', undefined);
        return undefined;
      }
      // an uncompressed answer varies by Accept-Encoding too (serveStatic only says so when it compressed)
      if (COMPRESSIBLE.test(servedPath) && !response.headers.has('Vary')) {
        response.headers.set('Vary', 'Accept-Encoding');
      }
      c.res = response;
      // the ETag is the digest of the bytes sent (so each encoding has its own); a match answers 304
      if (!hashed) await withEtag(c, async () => {});
      return c.res;
    };
    const served = await serve(files, c.req.path === '/' ? '/index.html' : c.req.path);
    if (served) return served;
    if (acceptsHtml(c)) {
      const fallback = await serve(index, '/index.html');
      if (fallback) return fallback;
    }
    throw new ApiError(404, `no route or file for ${c.req.method} ${c.req.path}`);
  };
}
