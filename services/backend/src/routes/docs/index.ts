import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SwaggerUI, swaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { ApiError } from '../../errors.js';
import { contentSecurityPolicy } from '../../middleware/browser-security.js';

const assetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const swaggerDistDir = () =>
  path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Swagger UI at `/docs`, its assets served from the installed swagger-ui-dist (no CDN). */
export function docsRouter() {
  const router = new Hono<AppEnv>();
  const assets = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

  const options = { url: '/openapi.json', baseUrl: '/docs/assets', title: 'Detection backend API' };
  // The page's one inline script (it starts Swagger UI) is allowed by its hash, nothing else inline.
  const policy = contentSecurityPolicy({ scriptSrc: inlineScriptHashes(SwaggerUI(options)) });
  router.get(
    '/',
    async (c, next) => {
      c.header('Content-Security-Policy', policy);
      await next();
    },
    swaggerUI(options),
  );
  router.get('/assets/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file');
    const type = assetTypes[file];
    if (!type) throw new ApiError(404, `no such Swagger UI asset: ${file}`);
    let content = assets.get(file);
    if (!content) {
      content = fs.readFile(path.join(swaggerDistDir(), file));
      assets.set(file, content);
    }
    return c.body(await content, 200, {
      'Content-Type': type,
      'Cache-Control': 'public, max-age=86400',
    });
  });
  return router;
}

/** CSP sources (`'sha256-…'`) for the inline `<script>` elements of an HTML fragment. */
function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    ([, script]) => `'sha256-${createHash('sha256').update(script!).digest('base64')}'`,
  );
}
