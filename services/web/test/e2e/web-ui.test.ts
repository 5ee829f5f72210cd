// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText() is the rendered text a person reads, which is what these tests check
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { shippedPhoto, testImages } from '@detection/test-data';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../backend/test/support/http-server.js';
import { type ApiObject, apiJson, storedImageIds, storedObjects } from './api.js';
import { type Browser, openWatchedPage } from './browser.js';
import {
  type ChildServer,
  closedPort,
  type RunningBackend,
  repoRoot,
  startBackend,
  startModelServer,
} from './stack.js';
import { startWebStack, type WebStack } from './web-stack.js';

// End-to-end: the built UI, served by the REAL backend, talking to the REAL model server running the REAL
// CenterNet model, driven in Debian's Chromium. Nothing is faked.

const artifacts = path.join(repoRoot, 'test-results/web');
const photo = (name: string) => shippedPhoto(name).file;
const STREET = '000000000540.jpg';
const SECOND = '000000000086.jpg';
const THIRD = '000000000436.jpg';
/** A street photo shrunk to 224 px (16 kB): under the 50 KB upload limit of the failing backend. */
async function smallPhoto() {
  const image = (await testImages()).find((candidate) => candidate.name === 'small-000000000540.jpg')!;
  return { name: image.name, mimeType: 'image/jpeg', buffer: image.bytes };
}

let uiDir: string;
let modelServer: ChildServer;
let backend: RunningBackend;
let browser: Browser;

const openPage = (width = 1440, height = 1000) => openWatchedPage(browser, width, height);

async function uploadAndWait(page: Page, file: string) {
  await page.setInputFiles('#file-input', file);
  const result = page.locator(`[data-testid="result"]`);
  await result.waitFor({ state: 'visible', timeout: 90_000 });
  await expect
    .poll(() => result.getAttribute('data-image-id'), { timeout: 90_000 })
    .toMatch(/^[0-9a-f]{64}$/);
  await page.locator('[data-testid="job-progress"]').waitFor({ state: 'detached', timeout: 90_000 });
  return (await result.getAttribute('data-image-id'))!;
}

async function tableLabels(page: Page): Promise<string[]> {
  return page.locator('[data-testid="object-row"] td:nth-child(2)').allInnerTexts();
}

let stack: WebStack;

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  stack = await startWebStack();
  ({ uiDir, modelServer, backend, browser } = stack);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('web UI against the real backend and model server', () => {
  it('serves the UI at / and shows both services ready', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    await expect.poll(() => page.getByTestId('backend-status').innerText()).toContain('ready');
    await expect.poll(() => page.getByTestId('model-server-status').innerText()).toContain('ready');
    await expect
      .poll(() => page.locator('#model-select option').allInnerTexts())
      .toContain('centernet-coco (v1) — default');
    expect(await page.title()).toBe('Object detection');
    await page.close();
  });

  it('uploads a real landscape photo and draws it unstretched with its boxes and table rows, matching what the API stored', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    const imageId = await uploadAndWait(page, photo(STREET));
    const objects = await storedObjects(backend.url, imageId);
    expect(objects.length).toBeGreaterThan(2);

    await expect.poll(() => page.getByTestId('box').count()).toBe(objects.length);
    expect(await page.getByTestId('object-row').count()).toBe(objects.length);
    expect((await tableLabels(page)).sort()).toEqual(objects.map(({ label }) => label).sort());
    expect(await page.getByTestId('objects-count').innerText()).toBe(`${objects.length} objects`);
    expect(page.url()).toContain(`#/images/${imageId}`);

    // Each box sits where its bbox is on the displayed image (scaled from original pixels). The image and the boxes
    // are measured in one snapshot: the page may still be laying out (the table filling in) between two calls.
    const layout = await page.evaluate(
      (ids) => {
        const rect = (element: Element | null) => {
          const { x, y, width, height } = element!.getBoundingClientRect();
          return { x, y, width, height };
        };
        const image = document.querySelector<HTMLImageElement>('[data-testid="result-image"]')!;
        return {
          frame: rect(image),
          naturalWidth: image.naturalWidth,
          naturalHeight: image.naturalHeight,
          boxes: ids.map((id) => rect(document.querySelector(`[data-testid="box"][data-object-id="${id}"]`))),
        };
      },
      objects.slice(0, 5).map(({ object_id }) => object_id),
    );
    const { frame, naturalWidth, naturalHeight } = layout;
    // A landscape photo wider than the column is scaled down whole, never stretched.
    expect(frame.height / frame.width).toBeCloseTo(naturalHeight / naturalWidth, 2);
    const scale = frame.width / naturalWidth;
    objects.slice(0, 5).forEach((object, index) => {
      const box = layout.boxes[index]!;
      const [x1, y1, x2, y2] = object.bbox;
      expect(Math.abs(box.x - (frame.x + x1 * scale))).toBeLessThan(2);
      expect(Math.abs(box.y - (frame.y + y1 * scale))).toBeLessThan(2);
      expect(Math.abs(box.width - (x2 - x1) * scale)).toBeLessThan(2);
      expect(Math.abs(box.height - (y2 - y1) * scale)).toBeLessThan(2);
    });

    // Clicking a row highlights its box and shows the object's full record from GET /images/{id}/objects/{oid}.
    const best = [...objects].sort((a, b) => b.score - a.score)[0]!;
    const { body: details } = await apiJson<{ centroid: [number, number]; radius: number; class_id: number }>(
      backend.url,
      `/images/${imageId}/objects/${best.object_id}`,
    );
    await page.locator(`[data-testid="object-row"][data-object-id="${best.object_id}"]`).click();
    const panel = page.getByTestId('object-details');
    await expect
      .poll(() => panel.locator('[data-field="centroid"]').innerText())
      .toBe(`(${Math.round(details.centroid[0])}, ${Math.round(details.centroid[1])})`);
    expect(await panel.locator('[data-field="radius"]').innerText()).toBe(
      `${Math.round(details.radius * 10) / 10} px`,
    );
    expect(await panel.locator('[data-field="bbox"]').innerText()).toBe(`[${best.bbox.join(', ')}]`);
    expect(
      await page
        .locator(`[data-testid="box"][data-object-id="${best.object_id}"]`)
        .getAttribute('aria-pressed'),
    ).toBe('true');
    expect(page.url()).toContain(`/objects/${best.object_id}`);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(artifacts, 'result.png'), fullPage: true });
    expect((page as Page & { problems: string[] }).problems).toEqual([]);
    await page.close();
  });

  it('sorts the table by column and filters rows and boxes by label', async () => {
    const page = await openPage();
    const [imageId] = await storedImageIds(backend.url);
    await page.goto(`${backend.url}/#/images/${imageId}`);
    await page.getByTestId('object-row').first().waitFor();
    const objects = await storedObjects(backend.url, imageId!);

    const scores = async () =>
      (await page.locator('[data-testid="object-row"] td:nth-child(3)').allInnerTexts()).map((text) =>
        Number.parseFloat(text),
      );
    const initial = await scores();
    expect(initial).toEqual([...initial].sort((a, b) => b - a));

    await page.getByRole('button', { name: /^Label/ }).click();
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('Label');
    const ascending = await tableLabels(page);
    expect(ascending).toEqual(
      [...ascending].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })),
    );
    await page.getByRole('button', { name: /^Label/ }).click();
    expect(await page.locator('th[aria-sort="descending"]').innerText()).toContain('Label');

    const label = objects[0]!.label;
    const expected = objects.filter((object) => object.label === label).length;
    await page.selectOption('#label-filter', label);
    await expect.poll(() => page.getByTestId('object-row').count()).toBe(expected);
    expect(new Set(await tableLabels(page))).toEqual(new Set([label]));
    expect(await page.getByTestId('box').count()).toBe(expected);
    expect(await page.getByTestId('objects-count').innerText()).toBe(
      expected === objects.length ? `${objects.length} objects` : `Showing ${expected} of ${objects.length}`,
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.getByTestId('object-row').count()).toBe(objects.length);
    await page.close();
  });

  it('moves between boxes with the keyboard and selects with Enter', async () => {
    const page = await openPage();
    const [imageId] = await storedImageIds(backend.url);
    await page.goto(`${backend.url}/#/images/${imageId}`);
    await page.getByTestId('box').first().waitFor();
    const first = page.locator('[data-testid="box"][tabindex="0"]');
    await first.focus();
    const firstId = await first.getAttribute('data-object-id');
    await page.keyboard.press('ArrowRight');
    const focusedId = await page.evaluate(() => document.activeElement?.getAttribute('data-object-id'));
    expect(focusedId).toBeTruthy();
    expect(focusedId).not.toBe(firstId);
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page.locator(`[data-testid="box"][data-object-id="${focusedId}"]`).getAttribute('aria-pressed'),
      )
      .toBe('true');
    await expect
      .poll(() =>
        page.locator(`[data-testid="object-row"][data-object-id="${focusedId}"]`).getAttribute('class'),
      )
      .toContain('row-selected');
    await page.keyboard.press('Escape');
    await expect
      .poll(() =>
        page.locator(`[data-testid="box"][data-object-id="${focusedId}"]`).getAttribute('aria-pressed'),
      )
      .toBe('false');
    await page.close();
  });

  it('shows a readable error for a file that is not an image and stores nothing', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    const before = await storedImageIds(backend.url);
    await page.setInputFiles('#file-input', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('these are not the pixels you are looking for\n'),
    });
    const alert = page.getByTestId('error');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.getAttribute('role')).toBe('alert');
    const text = await alert.innerText();
    expect(text).toContain('Upload failed: the server could not use this input.');
    expect(text).toMatch(/HTTP 4\d\d/);
    // the backend's own reason is shown, not a generic message
    expect(text.toLowerCase()).toMatch(/image|format|unsupported/);
    expect(await storedImageIds(backend.url)).toEqual(before);
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    await alert.waitFor({ state: 'detached' });
    await page.close();
  });

  it('lists history newest first with thumbnails, opens an older image, re-runs and deletes', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    const secondId = await uploadAndWait(page, photo(SECOND));
    const thirdId = await uploadAndWait(page, photo(THIRD));
    const apiOrder = await storedImageIds(backend.url);
    expect(apiOrder.slice(0, 2)).toEqual([thirdId, secondId]);

    const items = page.getByTestId('history-item');
    await expect.poll(() => items.count()).toBe(apiOrder.length);
    expect(
      await items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-image-id'))),
    ).toEqual(apiOrder);
    await expect
      .poll(() =>
        items
          .locator('img')
          .evaluateAll((images) => images.every((image) => (image as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    const secondItem = page.locator(`[data-testid="history-item"][data-image-id="${secondId}"]`);
    const secondObjects = await storedObjects(backend.url, secondId);
    expect(await secondItem.innerText()).toContain(`${secondObjects.length} object`);

    // open the older one from history
    await secondItem.locator('.history-open').click();
    await expect.poll(() => page.getByTestId('result').getAttribute('data-image-id')).toBe(secondId);
    await expect.poll(() => page.getByTestId('object-row').count()).toBe(secondObjects.length);
    expect(await page.locator('#result-heading').innerText()).toBe(SECOND);
    expect(await secondItem.locator('.history-open').getAttribute('aria-current')).toBe('true');

    // re-run with a higher threshold: every stored object now scores at least that, and the table agrees
    await page.selectOption('#model-threshold', '0.6');
    await page.getByRole('button', { name: 'Re-run detection' }).first().click();
    await page.getByTestId('job-progress').waitFor({ state: 'detached', timeout: 90_000 });
    await expect
      .poll(async () =>
        (await storedObjects(backend.url, secondId)).every((object: ApiObject) => object.score >= 0.6),
      )
      .toBe(true);
    const rerunObjects = await storedObjects(backend.url, secondId);
    await expect.poll(() => page.getByTestId('object-row').count()).toBe(rerunObjects.length);
    await expect
      .poll(() => page.getByTestId('announcer').innerText())
      .toContain(`${rerunObjects.length} object`);

    // delete from the result view, with the inline confirmation
    await page.getByTestId('result').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete this image' }).click();
    await page.getByTestId('result').waitFor({ state: 'detached' });
    await expect
      .poll(() => page.locator(`[data-testid="history-item"][data-image-id="${secondId}"]`).count())
      .toBe(0);
    expect((await apiJson(backend.url, `/images/${secondId}`)).status).toBe(404);
    expect(await storedImageIds(backend.url)).not.toContain(secondId);

    // delete from the history list
    const thirdItem = page.locator(`[data-testid="history-item"][data-image-id="${thirdId}"]`);
    await thirdItem.getByRole('button', { name: `Delete ${THIRD}` }).click();
    await thirdItem.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => thirdItem.count()).toBe(0);
    expect((await apiJson(backend.url, `/images/${thirdId}`)).status).toBe(404);
    await page.close();
  });

  it('opens the stored result when the same photo is uploaded again', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    const before = await storedImageIds(backend.url);
    const [existing] = before;
    const imageId = await uploadAndWait(page, photo(STREET));
    expect(imageId).toBe(existing);
    expect(await page.locator('.alert-info').innerText()).toContain('was uploaded before');
    expect(await storedImageIds(backend.url)).toEqual(before);
    await page.close();
  });

  it('uploads by URL (the backend fetches the image)', async () => {
    const bytes = await readFile(photo(THIRD));
    const server = await startHttpServer((_, response) => {
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length });
      response.end(bytes);
    });
    try {
      const page = await openPage();
      await page.goto(backend.url);
      await page.fill('#image-url', `${server.origin}/photos/street.jpg`);
      await page.getByRole('button', { name: 'Detect', exact: true }).click();
      await page.getByTestId('result').waitFor({ timeout: 90_000 });
      await page.getByTestId('job-progress').waitFor({ state: 'detached', timeout: 90_000 });
      const imageId = (await page.getByTestId('result').getAttribute('data-image-id'))!;
      const objects = await storedObjects(backend.url, imageId);
      expect(await page.getByTestId('object-row').count()).toBe(objects.length);

      await page.fill('#image-url', 'ftp://example.com/a.jpg');
      await page.getByRole('button', { name: 'Detect', exact: true }).click();
      expect(await page.locator('#image-url-error').innerText()).toContain('Only http and https');
      await page.close();
    } finally {
      await server.close();
    }
  });

  it('fits a narrow phone screen without horizontal scrolling', async () => {
    const page = await openPage(390, 844);
    const [imageId] = await storedImageIds(backend.url);
    await page.goto(`${backend.url}/#/images/${imageId}`);
    await page.getByTestId('box').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const image = (await page.getByTestId('result-image').boundingBox())!;
    expect(image.width).toBeLessThanOrEqual(390);
    expect(image.width).toBeGreaterThan(250);
    // every control has an accessible name
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, select, a[href]')]
        .filter((element) => {
          const el = element as HTMLElement;
          if (el.closest('.visually-hidden') && el.tagName !== 'INPUT') return false;
          const labelled =
            el.getAttribute('aria-label') ||
            el.getAttribute('aria-labelledby') ||
            (el as HTMLInputElement).labels?.length ||
            el.textContent?.trim();
          return !labelled;
        })
        .map((element) => element.outerHTML.slice(0, 80)),
    );
    expect(unnamed).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'narrow.png'), fullPage: true });
    await page.close();
  });

  it('draws the boxes again when going back and forth between images the browser has cached', async () => {
    const page = await openPage();
    const withObjects: string[] = [];
    for (const imageId of await storedImageIds(backend.url))
      if ((await storedObjects(backend.url, imageId)).length > 0) withObjects.push(imageId);
    expect(withObjects.length).toBeGreaterThanOrEqual(2);
    const [first, second] = withObjects as [string, string];
    for (const imageId of [first, second, first, second, first]) {
      await page.goto(`${backend.url}/#/images/${imageId}`);
      await expect
        .poll(() => page.getByTestId('result').getAttribute('data-image-id'), { timeout: 10_000 })
        .toBe(imageId);
      await page.getByTestId('box').first().waitFor({ timeout: 10_000 });
    }
    await page.close();
  });
});

describe('with auth on (API_TOKENS)', () => {
  const TOKEN = 'e2e-web-token-7f3a';
  let authBackend: RunningBackend;

  beforeAll(async () => {
    authBackend = await startBackend({
      modelServerUrl: modelServer.url,
      webUiDir: uiDir,
      apiTokens: [TOKEN],
    });
  }, 120_000);

  afterAll(async () => {
    await authBackend?.stop();
  });

  it('asks for the token, rejects a wrong one, and works with the right one kept in sessionStorage', async () => {
    const page = await openPage();
    await page.goto(authBackend.url);
    const history = page.locator('.history');
    await expect.poll(() => history.innerText()).toContain('this server requires an API token');
    await expect.poll(() => page.locator('.token summary').innerText()).toContain('required');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('api-token');

    await page.fill('#api-token', 'wrong-token');
    await page.getByRole('button', { name: 'Save token' }).click();
    await expect.poll(() => history.innerText()).toContain('the API token was not accepted');

    await expect.poll(() => page.locator('#api-token').isVisible()).toBe(true);
    await page.fill('#api-token', `Bearer ${TOKEN}`);
    await page.getByRole('button', { name: 'Save token' }).click();
    await expect.poll(() => history.innerText()).toContain('No images yet');
    expect(await page.evaluate(() => sessionStorage.getItem('detection.apiToken'))).toBe(TOKEN);
    expect(await page.locator('.token summary').innerText()).toMatch(/API token\s+set$/);

    const imageId = await uploadAndWait(page, photo(SECOND));
    const objects = await storedObjects(authBackend.url, imageId, TOKEN);
    await expect.poll(() => page.getByTestId('object-row').count()).toBe(objects.length);
    // images need the Authorization header, so they are fetched and shown from blob: URLs
    await expect.poll(() => page.getByTestId('result-image').getAttribute('src')).toMatch(/^blob:/);
    await expect
      .poll(() => page.locator('[data-testid="history-item"] img').first().getAttribute('src'))
      .toMatch(/^blob:/);
    expect((await apiJson(authBackend.url, '/images')).status).toBe(401);

    // the token belongs to the tab: a new tab starts without it
    const other = await openPage();
    await other.goto(authBackend.url);
    await expect.poll(() => other.locator('.token summary').innerText()).toContain('required');
    expect(await other.evaluate(() => sessionStorage.getItem('detection.apiToken'))).toBeNull();
    await other.close();
    await page.close();
  });
});

describe('cold start: the model server comes up while a detection waits', () => {
  let coldBackend: RunningBackend;
  let lateModelServer: ChildServer | undefined;
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
    coldBackend = await startBackend({
      modelServerUrl: `http://127.0.0.1:${port}`,
      webUiDir: uiDir,
      modelRetryDeadlineMs: 150_000,
    });
  }, 120_000);

  afterAll(async () => {
    await coldBackend?.stop();
    await lateModelServer?.stop();
  });

  it('shows a spinner with a running elapsed time, then the result once the model server is up', async () => {
    const page = await openPage();
    await page.goto(coldBackend.url);
    await expect.poll(() => page.getByTestId('model-server-status').innerText()).toContain('unavailable');

    await page.setInputFiles('#file-input', photo(SECOND));
    const progress = page.getByTestId('job-progress');
    await progress.waitFor();
    const seconds = async () => Number.parseFloat(await page.getByTestId('job-elapsed').innerText());
    const first = await seconds();
    await expect.poll(seconds, { timeout: 10_000 }).toBeGreaterThan(first + 1.5);
    await expect.poll(() => progress.innerText()).toContain('keeps retrying');
    // the page stays usable while it waits
    await page.selectOption('#model-threshold', '0.4');
    expect(await page.locator('#model-threshold').inputValue()).toBe('0.4');
    await page.screenshot({ path: path.join(artifacts, 'cold-start.png') });

    lateModelServer = await startModelServer(port);
    const result = page.getByTestId('result');
    await result.waitFor({ timeout: 150_000 });
    await progress.waitFor({ state: 'detached' });
    const imageId = (await result.getAttribute('data-image-id'))!;
    const objects = await storedObjects(coldBackend.url, imageId);
    expect(objects.length).toBeGreaterThan(0);
    expect(await page.getByTestId('object-row').count()).toBe(objects.length);
    await expect
      .poll(() => page.getByTestId('model-server-status').innerText(), { timeout: 10_000 })
      .toContain('ready');
    await page.close();
  });
});

describe('errors the API reports: too large, model server down', () => {
  let failingBackend: RunningBackend;

  beforeAll(async () => {
    // nothing listens on this port: every detection fails after a short retry window
    const deadPort = await closedPort();
    failingBackend = await startBackend({
      modelServerUrl: `http://127.0.0.1:${deadPort}`,
      webUiDir: uiDir,
      modelRetryDeadlineMs: 1000,
      maxUploadBytes: 50_000,
    });
  }, 120_000);

  afterAll(async () => {
    await failingBackend?.stop();
  });

  it('says a file is too large, with the limit from the backend, and stores nothing', async () => {
    const page = await openPage();
    await page.goto(failingBackend.url);
    const big = await readFile(photo(STREET));
    expect(big.length).toBeGreaterThan(50_000);
    await page.setInputFiles('#file-input', photo(STREET));
    const alert = page.getByTestId('error');
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.innerText();
    expect(text).toContain('Upload failed: the file is too large.');
    expect(text).toContain('HTTP 413');
    expect(text).toContain('50000-byte upload limit');
    expect(await alert.getAttribute('data-kind')).toBe('too_large');
    expect(await storedImageIds(failingBackend.url)).toEqual([]);
    await page.close();
  });

  it('says the model server is unavailable, keeps the image as failed and offers to re-run it', async () => {
    const page = await openPage();
    await page.goto(failingBackend.url);
    await page.setInputFiles('#file-input', await smallPhoto());
    const alert = page.getByTestId('error');
    await alert.waitFor({ timeout: 60_000 });
    const text = await alert.innerText();
    expect(text).toContain('Upload failed: the model server is unavailable.');
    expect(text).toMatch(/HTTP 50[234]/);
    // the backend kept the upload with status "failed": the page opens it and the history lists it
    const [imageId] = await storedImageIds(failingBackend.url);
    expect(imageId).toBeDefined();
    await expect.poll(() => page.getByTestId('result').getAttribute('data-image-id')).toBe(imageId);
    expect(await page.getByTestId('result-status').innerText()).toBe('detection failed');
    await expect
      .poll(() => page.locator(`[data-testid="history-item"][data-image-id="${imageId}"]`).innerText())
      .toContain('failed');
    // re-running fails the same readable way while the model server is still down
    await alert.getByRole('button', { name: 'Re-run detection' }).click();
    await expect
      .poll(() => page.getByTestId('error').innerText(), { timeout: 60_000 })
      .toContain('Re-running detection');
    expect(await page.getByTestId('error').innerText()).toContain('the model server is unavailable');
    await page.close();
  });
});
