import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

describe('Static web UI from WEB_UI_DIR', () => {
  let t: TestApp;
  let webDir: string;
  const appJs = `export const rows = [${Array.from({ length: 400 }, (_, i) => `"row ${i}"`).join(',')}];`;

  beforeAll(async () => {
    webDir = await makeTempDir('backend-web-');
    await fs.mkdir(path.join(webDir, 'assets'));
    await fs.writeFile(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>Detection UI</title><div id="app"></div>',
    );
    await fs.writeFile(path.join(webDir, 'assets', 'app.js'), 'console.log("ui")');
    await fs.writeFile(path.join(webDir, 'assets', 'app-5f3a.js'), appJs);
    await fs.writeFile(path.join(webDir, 'assets', 'app-5f3a.js.br'), zlib.brotliCompressSync(appJs));
    await fs.writeFile(path.join(webDir, 'assets', 'app-5f3a.js.gz'), zlib.gzipSync(appJs));
    await fs.writeFile(path.join(path.dirname(webDir), `${path.basename(webDir)}-secret.txt`), 'outside');
    t = await createTestApp({ config: { webUiDir: webDir, apiTokens: ['token'] } });
  });
  afterAll(async () => {
    await t.close();
    await fs.rm(webDir, { recursive: true, force: true });
    await fs.rm(path.join(path.dirname(webDir), `${path.basename(webDir)}-secret.txt`), { force: true });
  });

  it('Should serve index.html at /', async () => {
    const res = await t.app.request('/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<title>Detection UI</title>');
  });

  it('Should serve assets with their content type', async () => {
    const res = await t.app.request('/assets/app.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(await res.text()).toBe('console.log("ui")');
  });

  it('Should send the precompressed brotli or gzip copy the browser accepts, else the file itself', async () => {
    const brotli = await t.app.request('/assets/app-5f3a.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(brotli.headers.get('content-type')).toMatch(/javascript/);
    expect(brotli.headers.get('vary')).toBe('Accept-Encoding');
    const brotliBytes = Buffer.from(await brotli.arrayBuffer());
    expect(brotliBytes.length).toBeLessThan(appJs.length / 4);
    expect(zlib.brotliDecompressSync(brotliBytes).toString()).toBe(appJs);

    const gzip = await t.app.request('/assets/app-5f3a.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(zlib.gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString()).toBe(appJs);

    const plain = await t.app.request('/assets/app-5f3a.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(await plain.text()).toBe(appJs);
  });

  it('Should cache hashed assets for good and revalidate index.html with its ETag', async () => {
    const asset = await t.app.request('/assets/app-5f3a.js', { headers: { 'accept-encoding': 'br' } });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const index = await t.app.request('/', { headers: { accept: 'text/html' } });
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const tag = index.headers.get('etag');
    expect(tag).toMatch(/^"[0-9a-f]+"$/);
    const again = await t.app.request('/', { headers: { accept: 'text/html', 'if-none-match': tag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const fallback = await t.app.request('/some/route', { headers: { accept: 'text/html' } });
    expect(fallback.headers.get('etag')).toBe(tag);
    expect(fallback.headers.get('cache-control')).toBe('no-cache');

    const missing = await t.app.request('/assets/missing-1234.js', { headers: { accept: '*/*' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
  });

  it('Should fall back to index.html for client-side routes that accept HTML', async () => {
    const res = await t.app.request('/gallery/some-image', {
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Detection UI');
  });

  it('Should answer a JSON 404 for a missing asset requested without HTML', async () => {
    const res = await t.app.request('/assets/missing.js', { headers: { accept: '*/*' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/no route or file/) });
  });

  it('Should give API routes precedence over the UI (and keep them behind auth)', async () => {
    const res = await t.app.request('/images', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('Should never fall back to index.html under an API prefix', async () => {
    const res = await t.app.request('/images/x/y/z', {
      headers: { accept: 'text/html', authorization: 'Bearer token' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('Should not serve files outside the UI directory', async () => {
    for (const probe of [
      `/../${path.basename(webDir)}-secret.txt`,
      `/%2e%2e/${path.basename(webDir)}-secret.txt`,
    ]) {
      const res = await t.app.request(probe, { headers: { accept: '*/*' } });
      expect(await res.text()).not.toBe('outside');
    }
  });
});

describe('Without a built web UI', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('Should answer / with JSON pointing at /docs', async () => {
    const res = await t.app.request('/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ docs: '/docs', openapi: '/openapi.json' });
  });

  it('Should answer other paths with a JSON 404', async () => {
    const res = await t.app.request('/somewhere', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });
});
