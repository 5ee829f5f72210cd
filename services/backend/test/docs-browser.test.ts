import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';
import { makeTempDir } from './support/temp-dir.js';
import { closedPort } from './support/test-app.js';

describe('Swagger UI in a real browser (Chromium)', () => {
  let dir: string;
  let server: RunningServer;
  let securedServer: RunningServer;
  let browser: BrowserContext;
  const TOKEN = 'swagger-e2e-token';

  beforeAll(async () => {
    dir = await makeTempDir('backend-docs-browser-');
    server = await startServer(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(dir, 'detections.sqlite'),
        STORAGE_DIR: path.join(dir, 'images'),
        MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
        WEB_UI_DIR: path.join(dir, 'no-ui'),
      }),
      pino({ level: 'silent' }),
    );
    securedServer = await startServer(
      parseEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(dir, 'secured.sqlite'),
        STORAGE_DIR: path.join(dir, 'secured-images'),
        MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
        WEB_UI_DIR: path.join(dir, 'no-ui'),
        API_TOKENS: TOKEN,
      }),
      pino({ level: 'silent' }),
    );
    browser = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await securedServer?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should render the API from /openapi.json with assets served by the backend only', async () => {
    const page = await browser.newPage();
    const origins = new Set<string>();
    page.on('request', (request) => {
      origins.add(new URL(request.url()).origin);
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${server.url}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
    expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('Detection backend');
    await page.locator('.opblock-summary-path').first().waitFor();
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(
      expect.arrayContaining([
        '/images',
        '/images/{image_id}/objects',
        '/images/{image_id}/objects/{object_id}',
        '/detect',
      ]),
    );
    expect(
      [...origins].filter(
        (origin) => origin !== server.url && origin !== 'null' && !origin.startsWith('data:'),
      ),
    ).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Should authorize with a bearer token in Swagger UI, after which "Try it out" succeeds', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${securedServer.url}/docs`);
    const listImages = page.locator('.opblock-get').filter({
      has: page.locator('.opblock-summary-path[data-path="/images"]'),
    });
    await listImages.waitFor({ timeout: 20_000 });

    const tryListing = async () => {
      await listImages.locator('.try-out__btn').click();
      await listImages.getByRole('button', { name: 'Execute' }).click();
      const status = listImages.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor();
      return (await status.textContent())?.trim();
    };
    await listImages.locator('.opblock-summary').click();
    expect(await tryListing()).toBe('401');
    await listImages.getByRole('button', { name: 'Cancel' }).click();

    await page.locator('.auth-wrapper .btn.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input').fill(TOKEN);
    await dialog.locator('.auth-btn-wrapper .authorize').click();
    await dialog.locator('.auth-btn-wrapper .btn-done').click();

    expect(await tryListing()).toBe('200');
    const body = await listImages
      .locator('.live-responses-table tbody .response-col_description pre')
      .first()
      .textContent();
    expect(JSON.parse(body!)).toEqual({ images: [], next_cursor: null, total: { count: 0, exact: true } });
    // /health is public: its operation shows no lock
    const health = page.locator('.opblock-get').filter({
      has: page.locator('.opblock-summary-path[data-path="/health"]'),
    });
    expect(await health.locator('.authorization__btn').count()).toBe(0);
    expect(await listImages.locator('.authorization__btn').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
