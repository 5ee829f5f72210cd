/**
 * The browser-facing protections, checked in Chromium against the real backend (serving the built web UI) and the
 * real model server: the web UI and Swagger UI work under their Content-Security-Policy without one violation, the
 * pages refuse to be framed by another site, and another site cannot make a visitor's browser upload anything.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type RunningServer as ModelServer,
  settingsFromEnvironment,
  startModelServer,
} from '@detection/model-server';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from '../../web/test/e2e/browser.js';
import { buildUi } from '../../web/test/e2e/build-ui.js';
import { parseEnv } from '../src/env.js';
import { type RunningServer, startServer } from '../src/server.js';
import { shippedPhoto } from './support/hostile-images.js';
import { type LocalHttpServer, startHttpServer } from './support/http-server.js';
import { repoRoot } from './support/processes.js';
import { makeTempDir } from './support/temp-dir.js';

let dir: string;
let uiDir: string;
let modelServer: ModelServer;
let backend: RunningServer;
let browser: Browser;
/** Another site: served from `localhost`, while the backend is at `127.0.0.1` (a different site to the browser). */
let otherSite: LocalHttpServer;

beforeAll(async () => {
  dir = await makeTempDir('backend-browser-security-');
  [uiDir, modelServer] = await Promise.all([
    buildUi(),
    startModelServer(
      {
        ...settingsFromEnvironment({}),
        port: 0,
        host: '127.0.0.1',
        modelRepository: path.join(repoRoot, 'model/repository/centernet-coco'),
        logLevel: 'silent',
      },
      { logger: pino({ level: 'silent' }), processMetrics: false },
    ),
  ]);
  await modelServer.ready;
  backend = await startServer(
    parseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'detections.sqlite'),
      STORAGE_DIR: path.join(dir, 'images'),
      MODEL_SERVER_URL: modelServer.url,
      WEB_UI_DIR: uiDir,
    }),
    pino({ level: 'silent' }),
  );
  otherSite = await startHttpServer((_request, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>another site</title><iframe id="framed" src="${backend.url}/"></iframe>`);
  });
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await otherSite?.close();
  await backend?.close();
  await modelServer?.close();
  if (uiDir) await rm(uiDir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A page that records every CSP violation and script error. */
async function openPage(): Promise<Page & { problems: string[] }> {
  const page = (await browser.context.newPage()) as Page & { problems: string[] };
  page.problems = [];
  await page.exposeFunction('reportViolation', (text: string) => page.problems.push(text));
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.reportViolation('CSP ' + event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') +
        ' (' + event.sourceFile + ':' + event.lineNumber + ')');
    });`,
  });
  page.on('pageerror', (error) => page.problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) page.problems.push(`${response.status()} ${response.url()}`);
  });
  page.on('console', (message) => {
    // Failed responses are reported with their URL above.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      page.problems.push(message.text());
    }
  });
  return page;
}

const storedImages = async () =>
  ((await (await fetch(`${backend.url}/images`)).json()) as { images: { image_id: string }[] }).images;

describe('the web UI under its Content-Security-Policy', () => {
  it('Should send the browser headers on / (CSP with frame-ancestors, X-Frame-Options, nosniff, Referrer-Policy)', async () => {
    const res = await fetch(`${backend.url}/`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('Should upload a photo, draw its boxes and show the annotated image without a single CSP violation', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    await page.locator('#file-input').setInputFiles({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: shippedPhoto('000000000086.jpg'),
    });
    const result = page.locator('[data-testid="result"]');
    await expect
      .poll(() => result.getAttribute('data-image-id'), { timeout: 90_000 })
      .toMatch(/^[0-9a-f]{64}$/);
    await expect.poll(() => page.getByTestId('box').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect
      .poll(() =>
        page
          .getByTestId('result-image')
          .evaluate((image) => (image as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    expect(page.problems).toEqual([]);
    await page.close();
  });
});

describe('Swagger UI under its Content-Security-Policy', () => {
  it('Should allow only its own inline start-up script, by hash', async () => {
    const res = await fetch(`${backend.url}/docs`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('Should render the API and run "Try it out" without a single CSP violation', async () => {
    const page = await openPage();
    await page.goto(`${backend.url}/docs`);
    const list = page.locator('#operations-images-get_images');
    await list.locator('.opblock-summary').click();
    await list.locator('button.try-out__btn').click();
    await list.locator('button.execute').click();
    const status = list.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor();
    expect(await status.textContent()).toContain('200');
    expect(page.problems).toEqual([]);
    await page.close();
  });
});

describe('another site', () => {
  it('Should not be able to frame the web UI', async () => {
    const page = await browser.context.newPage();
    const blocked: string[] = [];
    page.on('console', (message) => blocked.push(message.text()));
    await page.goto(otherSite.origin.replace('127.0.0.1', 'localhost'));
    await expect.poll(() => blocked.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
    const framed = page.frames().find((frame) => frame !== page.mainFrame());
    expect(
      framed &&
        (await framed
          .locator('#app')
          .count()
          .catch(() => 0)),
    ).toBeFalsy();
    await page.close();
  });

  it("Should not be able to make a visitor's browser upload (cross-site POST, auth off)", async () => {
    const page = await browser.context.newPage();
    await page.goto(otherSite.origin.replace('127.0.0.1', 'localhost'));
    const before = (await storedImages()).length;
    const photo = [...shippedPhoto('000000000092.jpg')];
    // A script on the other site: a "simple" request, sent without a CORS preflight (its answer is opaque).
    const forge = (submitForm: boolean) => `(async () => {
      const file = new File([new Uint8Array(${JSON.stringify(photo)})], 'forged.jpg', { type: 'image/jpeg' });
      if (!${submitForm}) {
        const body = new FormData();
        body.append('file', file);
        await fetch('${backend.url}/images', { method: 'POST', mode: 'no-cors', body }).catch(() => undefined);
        return;
      }
      // A form on the other site, with a file in it, submitted to the API.
      const form = Object.assign(document.createElement('form'), {
        method: 'POST', action: '${backend.url}/images', enctype: 'multipart/form-data',
      });
      const input = Object.assign(document.createElement('input'), { type: 'file', name: 'file' });
      const files = new DataTransfer();
      files.items.add(file);
      input.files = files.files;
      form.append(input);
      document.body.append(form);
      form.submit();
    })()`;
    await page.evaluate(forge(false));
    const answer = page.waitForResponse((response) => response.url().startsWith(`${backend.url}/images`));
    await page.evaluate(forge(true));
    const refused = await answer;
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/^cross-site request refused/) });
    expect((await storedImages()).length).toBe(before);

    // The same upload from a client that is not a browser (curl, the smoke test) is accepted.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(shippedPhoto('000000000092.jpg'))]), 'direct.jpg');
    const direct = await fetch(`${backend.url}/images`, { method: 'POST', body: form });
    expect(direct.status).toBe(201);
    await page.close();
  });
});
