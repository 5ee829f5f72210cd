// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText() is the rendered text a person reads, which is what these tests check
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { ImageWithDetectionsSchema } from '@detection/backend/api-schemas';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJson, storedImageIds, storedObjects } from './api.js';
import { type Browser, launchBrowser, openWatchedPage } from './browser.js';
import { type RunningBackend, repoRoot } from './stack.js';
import {
  astronautPhoto,
  datasetPhoto,
  inside,
  overlaps,
  type PixelRect,
  rawGet,
  seriousAxeViolations,
} from './support.js';
import { startWebStack, type WebStack } from './web-stack.js';

// What a first-time user met (issue 18), and what was added for them, in Chromium against the real backend and
// model server. The photos are the repository's own (evaluation/dataset/images, samples/astronaut.jpg).

const artifacts = path.join(repoRoot, 'test-results/web');
const LANDSCAPE = '000000000540.jpg'; // 640x425, a street with many objects
const PORTRAIT = '000000000086.jpg'; // 512x640
const BASEBALL = '000000000544.jpg'; // 640x427

let stack: WebStack;
let backend: RunningBackend;
let browser: Browser;
const axeFindings: Record<string, unknown[]> = {};

const openPage = (width = 1366, height = 900) => openWatchedPage(browser, width, height);

/** axe-core's serious and critical findings in this state of the page; all of them are failures. */
async function expectAccessible(page: Page, state: string) {
  const violations = await seriousAxeViolations(page);
  axeFindings[state] = violations;
  expect(violations, state).toEqual([]);
}

async function waitForResult(page: Page, timeout = 90_000): Promise<string> {
  const result = page.getByTestId('result');
  await expect.poll(() => result.getAttribute('data-image-id'), { timeout }).toMatch(/^[0-9a-f]{64}$/);
  await page.getByTestId('job-progress').waitFor({ state: 'detached', timeout });
  return (await result.getAttribute('data-image-id'))!;
}

/** Opens a stored image by its URL and waits until its boxes are drawn. */
async function openImage(page: Page, imageId: string) {
  await page.goto(`${backend.url}/#/images/${imageId}`);
  await expect.poll(() => page.getByTestId('result').getAttribute('data-image-id')).toBe(imageId);
  await page.getByTestId('box').first().waitFor();
}

async function imageRect(page: Page): Promise<PixelRect & { naturalWidth: number; naturalHeight: number }> {
  return page.getByTestId('result-image').evaluate((element: HTMLImageElement) => {
    const rect = element.getBoundingClientRect();
    return {
      x: rect.x,
      y: rect.y,
      width: rect.width,
      height: rect.height,
      naturalWidth: element.naturalWidth,
      naturalHeight: element.naturalHeight,
    };
  });
}

async function visibleCaptions(page: Page): Promise<(PixelRect & { text: string })[]> {
  return page.locator('.caption').evaluateAll((elements) =>
    elements
      .filter((element) => getComputedStyle(element).visibility === 'visible')
      .map((element) => {
        const rect = element.getBoundingClientRect();
        return {
          x: rect.x,
          y: rect.y,
          width: rect.width,
          height: rect.height,
          text: element.textContent ?? '',
        };
      }),
  );
}

const uploadedIds = new Map<string, string>();

/** Stores a photo through the API once (as a client would), so views can be opened by URL. */
async function stored(file: string): Promise<string> {
  const known = uploadedIds.get(file);
  if (known) return known;
  const form = new FormData();
  form.append('file', new Blob([await readFile(datasetPhoto(file))], { type: 'image/jpeg' }), file);
  const response = await fetch(`${backend.url}/images`, { method: 'POST', body: form });
  const body = (await response.json()) as { image_id: string };
  expect([201, 409]).toContain(response.status);
  uploadedIds.set(file, body.image_id);
  return body.image_id;
}

beforeAll(async () => {
  stack = await startWebStack({
    // URL_FETCH_ALLOW_PRIVATE stays false, as on a real server: a loopback URL is refused
    backend: { allowPrivateUrls: false },
    // a fake camera (Chromium's test device) and permission prompts accepted
    browserArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  ({ backend, browser } = stack);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  console.info(`axe-core serious/critical violations per state: ${JSON.stringify(axeFindings)}`);
});

describe('first load', () => {
  it('serves the UI precompressed (brotli, gzip), hashed assets immutable, index.html revalidated', async () => {
    const page = await openPage();
    const assets: { url: string; encoding: string | undefined; cache: string | undefined }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/assets/index-')) {
        const headers = response.headers();
        assets.push({
          url: response.url(),
          encoding: headers['content-encoding'],
          cache: headers['cache-control'],
        });
      }
    });
    const index = await page.goto(backend.url);
    expect(index!.headers()['cache-control']).toBe('no-cache');
    expect(index!.headers().etag).toMatch(/^"[0-9a-f]+"$/);
    await page.getByTestId('upload-panel').waitFor();
    expect(assets.map(({ url }) => path.extname(url)).sort()).toEqual(['.css', '.js']);
    for (const asset of assets) {
      expect(asset.encoding, asset.url).toBe('br');
      expect(asset.cache).toBe('public, max-age=31536000, immutable');
    }
    await expectAccessible(page, 'empty page');

    // the bytes on the wire, per encoding, for every file of the first load
    const sizes: Record<string, { raw: number; gzip: number; brotli: number }> = {};
    for (const url of [`${backend.url}/`, ...assets.map((asset) => asset.url)]) {
      const raw = await rawGet(url, { accept: 'text/html' });
      const gzip = await rawGet(url, { accept: 'text/html', 'accept-encoding': 'gzip' });
      const brotli = await rawGet(url, { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(raw.headers['content-encoding']).toBeUndefined();
      expect(zlib.gunzipSync(gzip.body).equals(raw.body)).toBe(true);
      expect(zlib.brotliDecompressSync(brotli.body).equals(raw.body)).toBe(true);
      expect(brotli.body.length).toBeLessThan(raw.body.length);
      sizes[path.basename(new URL(url).pathname) || 'index.html'] = {
        raw: raw.body.length,
        gzip: gzip.body.length,
        brotli: brotli.body.length,
      };
    }
    const total = Object.values(sizes).reduce(
      (sum, size) => ({
        raw: sum.raw + size.raw,
        gzip: sum.gzip + size.gzip,
        brotli: sum.brotli + size.brotli,
      }),
      { raw: 0, gzip: 0, brotli: 0 },
    );
    console.info(`first load bytes: ${JSON.stringify({ ...sizes, total })}`);
    expect(total.brotli).toBeLessThan(total.raw / 3);

    // index.html is revalidated: its ETag (per encoding) answers 304 Not Modified
    const tag = index!.headers().etag!;
    const revalidated = await rawGet(`${backend.url}/`, {
      accept: 'text/html',
      'accept-encoding': 'gzip, deflate, br, zstd',
      'if-none-match': tag,
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    await page.close();
  });
});

describe('what a first-time user hit', () => {
  it('1. keeps every photo at its aspect ratio at every size, with the boxes exactly on it', async () => {
    const ids = { landscape: await stored(LANDSCAPE), portrait: await stored(PORTRAIT) };
    for (const [width, height] of [
      [1366, 900],
      [1920, 1080],
      [390, 844],
    ] as const) {
      const page = await openPage(width, height);
      for (const [kind, imageId] of Object.entries(ids)) {
        await openImage(page, imageId);
        const image = await imageRect(page);
        const where = `${kind} at ${width}x${height}`;
        const natural = image.naturalWidth / image.naturalHeight;
        expect(Math.abs(image.width / image.height / natural - 1), where).toBeLessThan(0.01);
        expect(image.width, where).toBeLessThanOrEqual(width);
        // each box's corners are the bbox's pixels, scaled by the same factor on both axes
        const scale = image.width / image.naturalWidth;
        const objects = await storedObjects(backend.url, imageId);
        for (const object of objects) {
          const box = (await page
            .locator(`[data-testid="box"][data-object-id="${object.object_id}"]`)
            .boundingBox())!;
          const [x1, y1, x2, y2] = object.bbox;
          const detail = `${where} ${JSON.stringify({ box, image, bbox: object.bbox })}`;
          expect(Math.abs(box.x - (image.x + x1 * scale)), detail).toBeLessThan(1.5);
          expect(Math.abs(box.y - (image.y + y1 * scale)), detail).toBeLessThan(1.5);
          expect(Math.abs(box.x + box.width - (image.x + x2 * scale)), detail).toBeLessThan(1.5);
          expect(Math.abs(box.y + box.height - (image.y + y2 * scale)), detail).toBeLessThan(1.5);
        }
      }
      await page.close();
    }
  });

  it('2. keeps captions inside the image without overlaps; a hidden one shows on hover; no sideways scroll', async () => {
    const imageId = await stored(LANDSCAPE);
    const objects = await storedObjects(backend.url, imageId);
    expect(objects.length).toBeGreaterThan(8);
    let hiddenSeen = 0;
    for (const [width, height] of [
      [1366, 900],
      [390, 844],
    ] as const) {
      const page = await openPage(width, height);
      await openImage(page, imageId);
      await expect.poll(async () => (await visibleCaptions(page)).length).toBeGreaterThan(0);
      const image = await imageRect(page);
      const captions = await visibleCaptions(page);
      for (const caption of captions)
        expect(inside(caption, image), `${width}px ${JSON.stringify({ caption, image })}`).toBe(true);
      for (const [index, a] of captions.entries())
        for (const b of captions.slice(index + 1))
          expect(overlaps(a, b), `${a.text} / ${b.text}`).toBe(false);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(width);

      // every box has a caption; those without room are hidden until their box is hovered or focused
      const boxes = await page.getByTestId('box').evaluateAll((elements) =>
        elements.map((element) => ({
          id: element.getAttribute('data-object-id')!,
          name: element.getAttribute('aria-label')!,
        })),
      );
      const shown = new Set(captions.map((caption) => caption.text));
      const hidden = boxes.filter((box) => !shown.has(box.name));
      hiddenSeen += hidden.length;
      if (hidden.length > 0) {
        await page.locator(`[data-testid="box"][data-object-id="${hidden[0]!.id}"]`).focus();
        await expect
          .poll(async () => (await visibleCaptions(page)).map((caption) => caption.text))
          .toContain(hidden[0]!.name);
        const pinned = (await visibleCaptions(page)).find((caption) => caption.text === hidden[0]!.name)!;
        // focusing the box may have scrolled the page: measure the image again
        expect(inside(pinned, await imageRect(page)), JSON.stringify(pinned)).toBe(true);
      }
      if (width === 390) await expectAccessible(page, 'result at 390 px');
      await page.close();
    }
    expect(hiddenSeen).toBeGreaterThan(0);
  });

  it('3. uploads a batch by picker (at most N at once), by drop and by paste, with a summary at the end', async () => {
    const duplicateId = await stored(LANDSCAPE);
    const page = await openPage();
    await page.goto(backend.url);
    await page.locator('#parallel-uploads').fill('2');
    await page.locator('#parallel-uploads').dispatchEvent('change');
    const storedIdsNow = new Set<string>();
    const refreshStored = async () => {
      for (const id of await storedImageIds(backend.url)) storedIdsNow.add(id);
      return false;
    };
    let inFlight = 0;
    let maxInFlight = 0;
    const isUpload = (request: { method(): string; url(): string }) =>
      request.method() === 'POST' && new URL(request.url()).pathname === '/images';
    page.on('request', (request) => {
      if (isUpload(request)) maxInFlight = Math.max(maxInFlight, ++inFlight);
    });
    const done = (request: { method(): string; url(): string }) => {
      if (isUpload(request)) inFlight -= 1;
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);

    const fresh = ['000000000165.jpg', '000000000194.jpg', '000000000309.jpg'];
    const photoPayload = async (name: string) => ({
      name,
      mimeType: 'image/jpeg',
      buffer: await readFile(datasetPhoto(name)),
    });
    await page.setInputFiles('#file-input', [
      ...(await Promise.all([...fresh, LANDSCAPE].map(photoPayload))),
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('these are notes, not a photo') },
    ]);
    const summary = page.getByTestId('batch-summary');
    await expect
      .poll(() => summary.innerText(), { timeout: 120_000 })
      .toBe('5 files: 3 uploaded, 1 duplicate, 1 failed');
    expect(maxInFlight).toBe(2);
    const failures = await page.getByTestId('batch-failures').innerText();
    expect(failures).toContain('notes.txt');
    expect(failures).toMatch(/not .*(image|supported)/i);
    const items = page.getByTestId('batch-item');
    expect(await items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')))).toEqual(
      ['done', 'done', 'done', 'duplicate', 'failed'],
    );
    expect(
      await page
        .locator('[data-testid="batch-item"] progress')
        .evaluateAll((bars) => bars.map((bar) => (bar as HTMLProgressElement).value)),
    ).toEqual([1, 1, 1, 1, 1]);
    // each new result is stored and listed in the history; the duplicate opens the stored one
    const storedIds = await storedImageIds(backend.url);
    const batchIds = await items.evaluateAll((nodes) =>
      nodes.map((node) => node.getAttribute('data-image-id')),
    );
    for (const id of batchIds.slice(0, 3)) {
      expect(storedIds).toContain(id);
      await page.locator(`[data-testid="history-item"][data-image-id="${id}"]`).waitFor();
    }
    expect(batchIds[3]).toBe(duplicateId);
    await expectAccessible(page, 'batch finished');
    await page.getByRole('button', { name: `Open ${fresh[1]}` }).click();
    await expect.poll(() => page.getByTestId('result').getAttribute('data-image-id')).toBe(batchIds[1]);

    // dragging files over the page highlights the whole upload panel; dropping two uploads both
    const transfer = async (names: string[]) => {
      const files = await Promise.all(
        names.map(async (name) => ({
          name,
          base64: (await readFile(datasetPhoto(name))).toString('base64'),
        })),
      );
      return page.evaluateHandle((list) => {
        const data = new DataTransfer();
        for (const { name, base64 } of list) {
          const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
          data.items.add(new File([bytes], name, { type: 'image/jpeg' }));
        }
        return data;
      }, files);
    };
    const dropped = await transfer(['000000000360.jpg', '000000000389.jpg']);
    await page.dispatchEvent('#history-heading', 'dragenter', { dataTransfer: dropped });
    expect(await page.getByTestId('upload-panel').getAttribute('data-dragging')).toBe('true');
    await page.dispatchEvent('#history-heading', 'dragleave', { dataTransfer: dropped });
    expect(await page.getByTestId('upload-panel').getAttribute('data-dragging')).toBe('false');
    await page.dispatchEvent('#history-heading', 'dragenter', { dataTransfer: dropped });
    await page.dispatchEvent('#history-heading', 'drop', { dataTransfer: dropped });
    expect(await page.getByTestId('upload-panel').getAttribute('data-dragging')).toBe('false');
    await expect.poll(() => summary.innerText(), { timeout: 120_000 }).toBe('2 files: 2 uploaded');

    const pastedNames = ['000000000450.jpg', '000000000491.jpg'];
    const pasted = await transfer(pastedNames);
    await page.evaluate(
      (data) =>
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true })),
      pasted,
    );
    const pastedIds = await Promise.all(
      pastedNames.map(async (name) =>
        createHash('sha256')
          .update(await readFile(datasetPhoto(name)))
          .digest('hex'),
      ),
    );
    await expect
      .poll(async () => pastedIds.every((id) => storedIdsNow.has(id)) || (await refreshStored()), {
        timeout: 120_000,
      })
      .toBe(true);
    await expect.poll(() => summary.innerText(), { timeout: 120_000 }).toBe('2 files: 2 uploaded');
    expect(maxInFlight).toBe(2);
    expect((page as Page & { problems: string[] }).problems).toEqual([]);
    await page.close();
  });

  it('4. has one confidence control that filters the result live, and a separate model threshold for re-runs', async () => {
    const imageId = await stored(BASEBALL);
    const page = await openPage();
    await openImage(page, imageId);
    const objects = await storedObjects(backend.url, imageId);
    const confidence = page.locator('#min-confidence');
    await expect.poll(() => page.getByTestId('box').count()).toBe(objects.length);
    for (const threshold of [0.5, 0.3, 0]) {
      await confidence.fill(String(threshold));
      const expected = objects.filter((object) => object.score >= threshold).length;
      await expect.poll(() => page.getByTestId('box').count()).toBe(expected);
      expect(await page.getByTestId('object-row').count()).toBe(expected);
      expect(await page.getByTestId('confidence-value').innerText()).toBe(`${Math.round(threshold * 100)}%`);
    }
    // the same percentage scale on the boxes and in the table
    const scores = await page.locator('[data-testid="object-row"] td:nth-child(3)').allInnerTexts();
    for (const score of scores) expect(score.trim()).toMatch(/^\d+(\.\d)?%$/);
    for (const name of await page
      .getByTestId('box')
      .evaluateAll((boxes) => boxes.map((box) => box.getAttribute('aria-label')!)))
      expect(name).toMatch(/ \d+(\.\d)?%$/);
    expect(await page.getByRole('slider').count()).toBe(1);

    // the threshold sent to the model is a separate setting; re-running with it keeps the earlier run viewable
    await page.selectOption('#model-threshold', '0.6');
    expect(await page.locator('#rerun-settings').innerText()).toContain('threshold 60%');
    await page.getByRole('button', { name: 'Re-run detection', exact: true }).click();
    await page.getByTestId('job-progress').waitFor({ state: 'detached', timeout: 90_000 });
    const rerun = await storedObjects(backend.url, imageId);
    expect(rerun.every((object) => object.score >= 0.6)).toBe(true);
    expect(rerun.length).toBeLessThan(objects.length);
    await expect.poll(() => page.getByTestId('box').count()).toBe(rerun.length);

    // compare runs: the previous run stays viewable
    const runs = page.getByTestId('run');
    expect(await runs.allInnerTexts()).toEqual([
      `Current: centernet-coco at 60% · ${rerun.length} objects`,
      `Earlier 1: centernet-coco · ${objects.length} objects`,
    ]);
    await runs.nth(1).click();
    await expect.poll(() => page.getByTestId('box').count()).toBe(objects.length);
    expect(await page.getByTestId('object-row').count()).toBe(objects.length);
    await expectAccessible(page, 'earlier run shown');
    await runs.nth(0).click();
    await expect.poll(() => page.getByTestId('box').count()).toBe(rerun.length);
    await page.close();
  });

  it('5. opens the API-token panel inside a phone screen, and scrolls to the result after an upload', async () => {
    const page = await openPage(390, 844);
    await page.goto(backend.url);
    await page.locator('.token summary').click();
    const form = (await page.locator('.token-form').boundingBox())!;
    expect(form.x).toBeGreaterThanOrEqual(0);
    expect(form.x + form.width).toBeLessThanOrEqual(390);
    const save = (await page.getByRole('button', { name: 'Save token' }).boundingBox())!;
    expect(save.x).toBeGreaterThanOrEqual(0);
    expect(save.x + save.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
    await expectAccessible(page, 'token panel open at 390 px');
    await page.locator('.token summary').click();

    await page.setInputFiles('#file-input', datasetPhoto('000000000629.jpg'));
    await waitForResult(page);
    await expect
      .poll(() =>
        page.locator('#result-heading').evaluate((heading) => {
          const rect = heading.getBoundingClientRect();
          return rect.top >= 0 && rect.bottom <= window.innerHeight;
        }),
      )
      .toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(200);
    await page.close();
  });

  it('6. explains a refused private URL, replaces old errors, says "cancelled", lists the default model once', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    await page.fill('#image-url', 'http://127.0.0.1:9/photo.jpg');
    await page.getByRole('button', { name: 'Detect', exact: true }).click();
    const banner = page.getByTestId('error');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('private, loopback');
    expect(await page.getByTestId('error-hint').innerText()).toContain('URL_FETCH_ALLOW_PRIVATE=true');
    await expectAccessible(page, 'error banner');

    // a new error replaces the old one instead of stacking next to it
    await page.fill('#image-url', 'ftp://example.com/a.jpg');
    await page.getByRole('button', { name: 'Detect', exact: true }).click();
    expect(await page.locator('#image-url-error').innerText()).toContain('Only http and https');
    expect(await banner.count()).toBe(0);
    await page.fill('#image-url', 'http://10.0.0.1/photo.jpg');
    await page.getByRole('button', { name: 'Detect', exact: true }).click();
    await expect.poll(() => banner.innerText()).toContain('10.0.0.1');
    expect(await page.locator('.alert-error').count()).toBe(1);

    // cancel: the upload is held back so that it is still running when Cancel is pressed
    await page.route(
      (url) => url.pathname === '/images',
      (route) =>
        route.request().method() === 'POST'
          ? void setTimeout(() => void route.continue().catch(() => {}), 5000)
          : void route.continue(),
    );
    await page.setInputFiles('#file-input', datasetPhoto('000000000636.jpg'));
    await page.getByTestId('job-progress').getByRole('button', { name: 'Cancel' }).click();
    const notice = page.locator('.alert-info');
    await expect.poll(() => notice.innerText()).toBe('Cancelled: detecting objects in 000000000636.jpg.');
    expect(await notice.getAttribute('role')).toBe('status');
    await page.unrouteAll({ behavior: 'ignoreErrors' });

    const options = await page.locator('#model-select option').allInnerTexts();
    expect(options.filter((option) => option.includes('centernet-coco'))).toEqual([
      'centernet-coco (v1) — default',
    ]);
    await page.close();
  });

  it("6. draws the annotated image in the UI's colour for each label", async () => {
    const page = await openPage();
    await page.goto(backend.url);
    // a PNG (lossless) copy of the astronaut, made by the browser, so colours can be compared exactly
    const png = await page.evaluate(
      async (base64) => {
        const bitmap = await createImageBitmap(
          new Blob([Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))], { type: 'image/jpeg' }),
        );
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
        const blob = await canvas.convertToBlob({ type: 'image/png' });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let binary = '';
        for (const byte of bytes) binary += String.fromCharCode(byte);
        return btoa(binary);
      },
      (await readFile(astronautPhoto)).toString('base64'),
    );
    await page.setInputFiles('#file-input', {
      name: 'astronaut.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png, 'base64'),
    });
    const imageId = await waitForResult(page);
    const objects = await storedObjects(backend.url, imageId);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const uiColour = await page
        .locator(`[data-testid="box"][data-object-id="${object.object_id}"]`)
        .evaluate((box) => {
          const hex = getComputedStyle(box).getPropertyValue('--box-colour').trim();
          const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
          return `rgb(${r}, ${g}, ${b})`;
        });
      const [x1, y1, , y2] = object.bbox;
      // the middle of the box's left edge: inside the stroke (at least 2 px wide, centred on the edge)
      const drawn = await page.evaluate(
        async ({ url, x, y }) => {
          const bitmap = await createImageBitmap(await (await fetch(url)).blob());
          const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
          const context = canvas.getContext('2d')!;
          context.drawImage(bitmap, 0, 0);
          const [r, g, b] = context.getImageData(x, y, 1, 1).data;
          return `rgb(${r}, ${g}, ${b})`;
        },
        { url: `/images/${imageId}/annotated`, x: x1, y: Math.round((y1 + y2) / 2) },
      );
      expect(drawn, object.label).toBe(uiColour);
    }
    await page.close();
  });
});

describe('what was added', () => {
  it('exports the result as API JSON and COCO results, and downloads the annotated image', async () => {
    const imageId = await stored(LANDSCAPE);
    const page = await openPage();
    await openImage(page, imageId);
    const pagesBefore = browser.context.pages().length;
    const download = async (name: string) => {
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        page.getByText(name, { exact: true }).click(),
      ]);
      return { name: file.suggestedFilename(), bytes: await readFile((await file.path())!) };
    };

    const api = await download('Result JSON');
    expect(api.name).toBe('000000000540.json');
    const exported = ImageWithDetectionsSchema.parse(JSON.parse(api.bytes.toString('utf8')));
    const { body: image } = await apiJson<Record<string, unknown>>(backend.url, `/images/${imageId}`);
    const { detection: _detection, ...metadata } = exported;
    expect(metadata).toEqual(image);
    const objects = await storedObjects(backend.url, imageId);
    expect(exported.detection.count).toBe(objects.length);
    for (const detection of exported.detection.detections) {
      const { body: details } = await apiJson(
        backend.url,
        `/images/${imageId}/objects/${detection.object_id}`,
      );
      expect(detection).toEqual(details);
    }

    const coco = await download('COCO results');
    expect(coco.name).toBe('000000000540.coco-results.json');
    const results = JSON.parse(coco.bytes.toString('utf8')) as {
      image_id: number;
      category_id: number;
      bbox: number[];
      score: number;
    }[];
    const instances = JSON.parse(
      await readFile(path.join(repoRoot, 'evaluation/dataset/instances.json'), 'utf8'),
    ) as {
      categories: { id: number; name: string }[];
    };
    const categoryOf = new Map(instances.categories.map(({ id, name }) => [name, id]));
    expect(results.length).toBe(objects.length);
    for (const object of objects) {
      const [x1, y1, x2, y2] = object.bbox;
      expect(results).toContainEqual({
        image_id: 540,
        category_id: categoryOf.get(object.label),
        bbox: [x1, y1, x2 - x1, y2 - y1],
        score: object.score,
      });
    }

    const annotated = await download('Annotated image');
    expect(annotated.name).toBe('000000000540.annotated.jpg');
    expect(annotated.bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const served = Buffer.from(
      await (await fetch(`${backend.url}/images/${imageId}/annotated`)).arrayBuffer(),
    );
    expect(annotated.bytes.equals(served)).toBe(true);
    expect(browser.context.pages().length).toBe(pagesBefore);
    await page.close();
  });

  it('offers example photos with their attribution, each detected with one click', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    const examples = page.getByTestId('example');
    expect(await examples.count()).toBe(5);
    const credits = await page.getByTestId('example-credit').allInnerTexts();
    expect(credits).toContain('NASA, public domain');
    expect(credits.filter((credit) => credit.includes('CC BY')).length).toBe(4);
    await expect
      .poll(() =>
        page
          .locator('[data-testid="example"] img')
          .evaluateAll((images) => images.every((image) => (image as HTMLImageElement).naturalWidth > 0)),
      )
      .toBe(true);
    await page.getByRole('button', { name: 'Astronaut', exact: true }).click();
    const imageId = await waitForResult(page);
    expect(await page.locator('#result-heading').innerText()).toBe('astronaut.jpg');
    const original = await readFile(astronautPhoto);
    const storedBytes = Buffer.from(
      await (await fetch(`${backend.url}/images/${imageId}/file`)).arrayBuffer(),
    );
    expect(storedBytes.equals(original)).toBe(true);
    expect(await page.getByTestId('box').count()).toBe((await storedObjects(backend.url, imageId)).length);
    await expectAccessible(page, 'example photo result');
    await page.close();
  });

  it('takes a camera snapshot (getUserMedia) and detects it', async () => {
    const page = await openPage();
    await page.goto(backend.url);
    await page.getByRole('button', { name: 'Take a photo with the camera' }).click();
    const capture = page.getByRole('button', { name: 'Capture and detect' });
    await expect.poll(() => capture.isEnabled(), { timeout: 15_000 }).toBe(true);
    await expectAccessible(page, 'camera open');
    await capture.click();
    const imageId = await waitForResult(page);
    expect(await page.locator('#result-heading').innerText()).toMatch(/^camera-.+\.jpg$/);
    const { body } = await apiJson<{ content_type: string; status: string; width: number }>(
      backend.url,
      `/images/${imageId}`,
    );
    expect(body).toMatchObject({ content_type: 'image/jpeg', status: 'completed' });
    expect(body.width).toBeGreaterThan(100);
    // the camera is released once the snapshot is taken
    expect(await page.getByTestId('camera').count()).toBe(0);
    await page.close();
  });

  it('hides the camera button where there is no camera', async () => {
    const noCamera = await launchBrowser([
      '--use-fake-device-for-media-stream=device-count=0',
      '--use-fake-ui-for-media-stream',
    ]);
    try {
      const page = await noCamera.context.newPage();
      await page.goto(backend.url);
      await page.getByTestId('examples').waitFor();
      await expect
        .poll(() => page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).length))
        .toBeGreaterThan(0);
      expect(
        await page.evaluate(async () =>
          (await navigator.mediaDevices.enumerateDevices()).some((device) => device.kind === 'videoinput'),
        ),
      ).toBe(false);
      expect(await page.getByRole('button', { name: 'Take a photo with the camera' }).count()).toBe(0);
      expect(await page.getByTestId('camera').count()).toBe(0);
    } finally {
      await noCamera.close();
    }
  });

  it('names history and box buttons with the text they show', async () => {
    const page = await openPage();
    await openImage(page, await stored(LANDSCAPE));
    await page.getByTestId('history-item').first().waitFor();
    const history = await page.locator('.history-open').evaluateAll((buttons) =>
      buttons.map((button) => ({
        id: button.closest('li')!.getAttribute('data-image-id'),
        text: button.textContent,
      })),
    );
    for (const { id, text } of history.slice(0, 4)) {
      const visible = (
        await page.locator(`[data-testid="history-item"][data-image-id="${id}"] .history-open`).innerText()
      )
        .replace(/\s+/g, ' ')
        .trim();
      expect(text).toBeTruthy();
      const named = page.getByRole('button', { name: visible });
      expect(await named.count(), visible).toBeGreaterThan(0);
    }
    const shown = await visibleCaptions(page);
    expect(shown.length).toBeGreaterThan(0);
    for (const caption of shown) {
      const text = caption.text.replace(/\s+/g, ' ').trim();
      expect(await page.getByRole('button', { name: text, exact: true }).count(), text).toBe(1);
    }
    await page.close();
  });

  it('takes the README screenshot (docs/screenshots/web-ui.png is a copy of it)', async () => {
    const page = await openPage(1440, 1000);
    const imageId = await stored('000000000450.jpg');
    await openImage(page, imageId);
    const best = (await storedObjects(backend.url, imageId)).sort((a, b) => b.score - a.score)[0]!;
    await page.locator(`[data-testid="object-row"][data-object-id="${best.object_id}"]`).click();
    await page.getByTestId('object-details').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'readme.png') });
    await page.close();
  });
});
