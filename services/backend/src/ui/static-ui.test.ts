import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';

describe('Static web UI from WEB_UI_DIR', () => {
  let t: TestApp;
  let webDir: string;

  beforeAll(async () => {
    webDir = await makeTempDir('backend-web-');
    await fs.mkdir(path.join(webDir, 'assets'));
    await fs.writeFile(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>Detection UI</title><div id="app"></div>',
    );
    await fs.writeFile(path.join(webDir, 'assets', 'app.js'), 'console.log("ui")');
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
