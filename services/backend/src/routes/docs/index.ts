import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { swaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { ApiError } from '../../errors.js';

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

  router.get(
    '/',
    swaggerUI({ url: '/openapi.json', baseUrl: '/docs/assets', title: 'Detection backend API' }),
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
