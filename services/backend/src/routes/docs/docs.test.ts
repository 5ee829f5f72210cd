import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

describe('API documentation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('Should publish an OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/detect',
      '/health',
      '/images',
      '/images/{image_id}',
      '/images/{image_id}/annotated',
      '/images/{image_id}/detections',
      '/images/{image_id}/file',
      '/images/{image_id}/objects',
      '/images/{image_id}/objects/{object_id}',
      '/labels',
      '/models',
      '/ready',
    ]);
    expect(Object.keys(doc.paths['/images']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/images']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '400', '409', '413', '415', '502', '503', '504']),
    );
    expect(doc.paths['/images']!.post!.requestBody).toMatchObject({
      content: { 'multipart/form-data': expect.any(Object), 'application/json': expect.any(Object) },
    });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'Image',
        'ImageWithDetections',
        'Detection',
        'ObjectList',
        'Readiness',
      ]),
    );
  });

  it('Should serve Swagger UI at /docs with its assets from this server, not a CDN', async () => {
    const res = await t.app.request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("url: '/openapi.json'");
    expect(html).not.toMatch(/cdn\.|unpkg|jsdelivr/);
    const scripts = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(scripts).toEqual([
      '/docs/assets/swagger-ui-dist/swagger-ui.css',
      '/docs/assets/swagger-ui-dist/swagger-ui-bundle.js',
    ]);
    for (const asset of scripts) {
      const assetRes = await t.app.request(asset);
      expect(assetRes.status, asset).toBe(200);
      expect((await assetRes.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
  });

  it('Should answer 404 for anything else under /docs/assets', async () => {
    const res = await t.app.request('/docs/assets/swagger-ui-dist/..%2Fpackage.json');
    expect(res.status).toBe(404);
  });
});
