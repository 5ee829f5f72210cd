import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { EXAMPLE_IMAGE_ID } from '../examples.js';
import { ImageWithDetectionsSchema } from '../schemas.js';

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
      '/deployments',
      '/deployments/{name}',
      '/deployments/{name}/promote',
      '/deployments/{name}/rollback',
      '/detect',
      '/health',
      '/images',
      '/images/{image_id}',
      '/images/{image_id}/annotated',
      '/images/{image_id}/detections',
      '/images/{image_id}/file',
      '/images/{image_id}/objects',
      '/images/{image_id}/objects/{object_id}',
      '/jobs/{job_id}',
      '/jobs/{job_id}/events',
      '/labels',
      '/models',
      '/ready',
      '/videos',
      '/videos/{video_id}',
      '/videos/{video_id}/annotated',
      '/videos/{video_id}/file',
      '/videos/{video_id}/frames',
      '/videos/{video_id}/tracks',
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
        'Deployment',
        'DeploymentList',
        'DeployRequest',
        'DeploymentConflict',
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

type Operation = {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { example?: unknown; schema?: unknown }> }>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { additionalProperties?: unknown }>; securitySchemes?: unknown };
  security?: unknown[];
};

describe('OpenAPI examples and security', () => {
  let t: TestApp;
  let authed: TestApp;
  let doc: Document;

  beforeAll(async () => {
    t = await createTestApp();
    authed = await createTestApp({ config: { apiTokens: ['doc-token'] } });
    doc = (await (await t.app.request('/openapi.json')).json()) as Document;
  });
  afterAll(async () => {
    await t.close();
    await authed.close();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );

  it('Should give every JSON response a real example, each error status its own message', () => {
    for (const { name, operation } of operations()) {
      const messages = new Set<string>();
      for (const [status, response] of Object.entries(operation.responses)) {
        const json = response.content?.['application/json'];
        if (!json) continue;
        expect(json.example, `${name} ${status}`).toBeDefined();
        // /ready answers 503 with its readiness report, not an error
        if (Number(status) >= 400 && name !== 'GET /ready') {
          const { error } = json.example as { error: string };
          expect(typeof error, `${name} ${status}`).toBe('string');
          expect(messages.has(error), `${name} ${status} repeats another status's message`).toBe(false);
          messages.add(error);
        }
      }
    }
    const upload = doc.paths['/images']!.post!.responses;
    expect(
      ImageWithDetectionsSchema.parse(upload['201']!.content!['application/json']!.example),
    ).toBeTruthy();
    expect(upload['409']!.content!['application/json']!.example).toEqual({
      error: `this image was already uploaded as ${EXAMPLE_IMAGE_ID}`,
      image_id: EXAMPLE_IMAGE_ID,
    });
  });

  it('Should document errors without free-form extra properties (no additionalProp noise)', () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(schema.additionalProperties, name).toBeUndefined();
    }
    expect(JSON.stringify(doc)).not.toContain('additionalProp');
  });

  it('Should use in its examples the messages the API really sends', async () => {
    const example = (path: string, method: string, status: number) =>
      (
        doc.paths[path]![method]!.responses[String(status)]!.content!['application/json']!.example as {
          error: string;
        }
      ).error;
    const answer = async (url: string, init?: RequestInit) =>
      ((await (await t.app.request(url, init)).json()) as { error: string }).error;
    expect(await answer(`/images/${EXAMPLE_IMAGE_ID}`)).toBe(example('/images/{image_id}', 'get', 404));
    expect(await answer('/images/not-a-hash')).toBe(example('/images/{image_id}', 'get', 400));
    expect(await answer('/images?limit=0')).toBe(example('/images', 'get', 400));
    expect(await answer(`/images/${EXAMPLE_IMAGE_ID}/detections?score_threshold=2`, { method: 'POST' })).toBe(
      example('/images/{image_id}/detections', 'post', 400),
    );
    expect(await answer(`/images/${EXAMPLE_IMAGE_ID}/objects?min_score=2`)).toBe(
      example('/images/{image_id}/objects', 'get', 400),
    );
    expect(await answer(`/images/${EXAMPLE_IMAGE_ID}/objects/not-a-uuid`)).toBe(
      example('/images/{image_id}/objects/{object_id}', 'get', 400),
    );
    expect(await answer('/deployments/blazeface')).toBe(example('/deployments/{name}', 'get', 404));
    expect(await answer('/deployments/Not_A_Name')).toBe(example('/deployments/{name}', 'get', 400));
    expect(
      await answer('/deployments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'blazeface', version: '1', min_replicas: 3, max_replicas: 2 }),
      }),
    ).toBe(example('/deployments', 'post', 400));
    const form = new FormData();
    form.append('file', new Blob(['plain text']), 'notes.txt');
    expect(await answer('/images', { method: 'POST', body: form })).toBe(example('/images', 'post', 400));
  });

  it('Should declare /health and /ready public, and with API_TOKENS the bearer scheme and 401s elsewhere', async () => {
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(doc.paths['/ready']!.get!.security).toEqual([]);
    expect(doc.security).toBeUndefined();

    const secured = (await (await authed.app.request('/openapi.json')).json()) as Document;
    expect(secured.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
    });
    expect(secured.security).toEqual([{ bearerAuth: [] }]);
    expect(secured.paths['/health']!.get!.security).toEqual([]);
    expect(secured.paths['/ready']!.get!.security).toEqual([]);
    expect(secured.paths['/health']!.get!.responses['401']).toBeUndefined();
    const unauthorized = secured.paths['/images']!.get!.responses['401']!.content!['application/json']!
      .example as { error: string };
    const res = await authed.app.request('/images');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unauthorized);
    expect((await authed.app.request('/health')).status).toBe(200);
  });
});
