// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText() is the rendered text a person reads, which is what these tests check
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panOverPhoto } from '../../../backend/test/support/videos.js';
import { apiJson } from './api.js';
import { openWatchedPage } from './browser.js';
import { repoRoot } from './stack.js';
import { datasetPhoto, seriousAxeViolations } from './support.js';
import { startWebStack, type WebStack } from './web-stack.js';

// End-to-end: the Videos view of the built UI, served by the REAL backend (its video workers, the npm-installed
// ffmpeg) talking to the REAL model server, driven in Debian's Chromium. The clips are pans over the repository's
// own photos, made with ffmpeg by the backend's test support. Nothing is faked.

const artifacts = path.join(repoRoot, 'test-results/web');

interface ApiFrame {
  index: number;
  timestamp: number;
  objects: { bbox: [number, number, number, number]; track_id: number | null; label: string }[];
}
interface ApiTrack {
  track_id: number;
  first_timestamp: number;
}
interface DrawnBox {
  track_id: number | null;
  x: number;
  y: number;
  width: number;
  height: number;
  colour: string;
}

let stack: WebStack;
let clipDir: string;
/** 3 s, 432×600 (portrait: pillarboxed in the 16:9 player), the rider of 000000000086.jpg in every frame. */
let pan: string;
/** 60 s at 10 fps, sampled at 10 per second: 600 frames, long enough to watch and cancel. */
let long: string;
/** 2 s over another photo, for the fallbacks. */
let short: string;

beforeAll(async () => {
  clipDir = await mkdtemp(path.join(os.tmpdir(), 'web-e2e-videos-'));
  [stack, pan, long, short] = await Promise.all([
    startWebStack(),
    panOverPhoto(clipDir, 'rider-pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      fps: 10,
      width: 432,
      height: 600,
    }),
    panOverPhoto(clipDir, 'long-pan.mp4', {
      photo: '000000000529.jpg',
      seconds: 60,
      fps: 10,
      pixelsPerSecond: 5,
    }),
    panOverPhoto(clipDir, 'short-pan.mp4', { photo: '000000000540.jpg', seconds: 2, fps: 10 }),
  ]);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (clipDir) await rm(clipDir, { recursive: true, force: true });
});

const openPage = (width = 1440, height = 1000) => openWatchedPage(stack.browser, width, height);

async function openVideos(page: Page) {
  await page.goto(`${stack.backend.url}/#/videos`);
  await page.getByTestId('video-upload-panel').waitFor();
}

/** Chooses `file` with the given sampling rate; answers the id of the video shown once the upload was accepted. */
async function uploadVideo(page: Page, file: string, sampling: string): Promise<string> {
  await page.selectOption('#video-sampling', sampling);
  await page.setInputFiles('#video-file-input', file);
  const result = page.getByTestId('video-result');
  await expect
    .poll(() => result.getAttribute('data-video-id'), { timeout: 60_000 })
    .toMatch(/^[0-9a-f]{64}$/);
  return (await result.getAttribute('data-video-id'))!;
}

async function waitCompleted(page: Page) {
  await expect
    .poll(() => page.getByTestId('video-result').getAttribute('data-state'), { timeout: 120_000 })
    .toBe('completed');
  await page.getByTestId('track-table').waitFor({ timeout: 30_000 });
}

async function drawnState(page: Page) {
  return page.getByTestId('video-overlay').evaluate((canvas: HTMLCanvasElement) => ({
    frameIndex: canvas.dataset.frameIndex ?? '',
    boxCount: Number(canvas.dataset.boxCount ?? '0'),
    boxes: JSON.parse(canvas.dataset.boxes ?? '[]') as DrawnBox[],
  }));
}

let riderId: string;

describe('Videos view against the real backend, model server and ffmpeg', () => {
  it('shows the upload progress, the job live with its time left, and cancels it', async () => {
    const page = await openPage();
    await openVideos(page);
    // Chromium's own network throttling (DevTools protocol), so the upload takes long enough to be watched
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await page.selectOption('#video-sampling', '10');
    await page.setInputFiles('#video-file-input', long);
    // part of the bytes sent: the bar shows a value strictly between 0 and 1, and the title says how much
    const seen: { sent: number; title: string }[] = [];
    await expect
      .poll(
        async () => {
          const shown = await page.evaluate(() => {
            const panel = document.querySelector('[data-testid="video-upload-progress"]');
            const bar = panel?.querySelector('progress');
            return bar
              ? { sent: bar.value, title: panel!.querySelector('.progress-title')!.textContent ?? '' }
              : null;
          });
          if (shown) seen.push(shown);
          return seen.some(({ sent }) => sent > 0 && sent < 1);
        },
        { timeout: 30_000, interval: 20 },
      )
      .toBe(true);
    const partial = seen.find(({ sent }) => sent > 0 && sent < 1)!;
    expect(partial.title).toBe(`Uploading long-pan.mp4: ${Math.round(partial.sent * 100)} %`);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    const status = page.getByTestId('video-job-status');
    await expect
      .poll(() => status.innerText(), { timeout: 120_000 })
      .toMatch(/^[1-9]\d* of 600 sampled frames/);
    await expect
      .poll(() => status.innerText(), { timeout: 60_000 })
      .toMatch(/ · (about \d+ (s|min)|less than 5 s) left/);
    const bar = page.getByTestId('video-job-bar');
    expect(Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
    expect(Number(await bar.getAttribute('value'))).toBeLessThan(1);
    const videoId = (await page.getByTestId('video-result').getAttribute('data-video-id'))!;
    // the frames detected so far are drawn while the job runs: at 0 s, the first sampled frame with its boxes
    await expect.poll(async () => (await drawnState(page)).frameIndex, { timeout: 30_000 }).toBe('0');
    const firstFrame = (
      await apiJson<{ frames: ApiFrame[] }>(stack.backend.url, `/videos/${videoId}/frames?to=0`)
    ).body.frames[0]!;
    expect((await drawnState(page)).boxCount).toBe(firstFrame.objects.length);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByTestId('video-job-progress').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('video-cancelled').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('video-status').innerText()).toBe('cancelled');
    const stored = await apiJson<{ status: string }>(stack.backend.url, `/videos/${videoId}`);
    expect(stored.body.status).toBe('cancelled');
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('plays the video with the boxes of the nearest sampled frame drawn over the pillarboxed picture', async () => {
    const page = await openPage();
    await openVideos(page);
    riderId = await uploadVideo(page, pan, '2');
    await waitCompleted(page);
    const frames = (await apiJson<{ frames: ApiFrame[] }>(stack.backend.url, `/videos/${riderId}/frames`))
      .body.frames;
    expect(frames.length).toBe(6);

    const video = page.getByTestId('video-element');
    // every state the overlay draws while the video plays (looping), recorded in the page as it happens
    await page.getByTestId('video-overlay').evaluate((canvas: HTMLCanvasElement) => {
      const record = window as unknown as { drawnWhilePlaying: { frameIndex: string; boxCount: number }[] };
      record.drawnWhilePlaying = [];
      new MutationObserver(() => {
        record.drawnWhilePlaying.push({
          frameIndex: canvas.dataset.frameIndex ?? '',
          boxCount: Number(canvas.dataset.boxCount ?? '0'),
        });
      }).observe(canvas, { attributes: true, attributeFilter: ['data-box-count', 'data-frame-index'] });
    });
    await video.evaluate((element: HTMLVideoElement) => {
      element.loop = true;
      return element.play();
    });
    // while it plays, the overlay follows: every sampled frame is drawn in turn, each with its own boxes
    const framesDrawn = async () => {
      const drawn = await page.evaluate(
        () =>
          (window as unknown as { drawnWhilePlaying: { frameIndex: string; boxCount: number }[] })
            .drawnWhilePlaying,
      );
      const matching = drawn.filter(({ frameIndex, boxCount }) => {
        const frame = frames.find((candidate) => String(candidate.index) === frameIndex);
        return frame !== undefined && boxCount === frame.objects.length && boxCount > 0;
      });
      return new Set(matching.map(({ frameIndex }) => frameIndex)).size;
    };
    await expect.poll(framesDrawn, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('video-overlay').getAttribute('data-sync')).toBe('video-frame-callback');
    await video.evaluate((element: HTMLVideoElement) => element.pause());

    // Seek (paused) to 1.1 s: the sampled frame nearest is the one at 1 s; its boxes are where contain shows them
    await video.evaluate((element: HTMLVideoElement) => {
      element.currentTime = 1.1;
    });
    const nearest = frames.reduce((best, frame) =>
      Math.abs(frame.timestamp - 1.1) < Math.abs(best.timestamp - 1.1) ? frame : best,
    );
    await expect.poll(async () => (await drawnState(page)).frameIndex).toBe(String(nearest.index));
    const drawn = await drawnState(page);
    expect(drawn.boxCount).toBe(nearest.objects.length);
    const size = await video.evaluate((element: HTMLVideoElement) => ({
      width: element.clientWidth,
      height: element.clientHeight,
    }));
    // 432×600 in a 16:9 element: scaled to its height, bars left and right
    const scale = size.height / 600;
    const left = (size.width - 432 * scale) / 2;
    expect(left).toBeGreaterThan(100);
    const sorted = [...nearest.objects].sort((a, b) => a.bbox[0] - b.bbox[0] || a.bbox[1] - b.bbox[1]);
    const boxes = [...drawn.boxes].sort((a, b) => a.x - b.x || a.y - b.y);
    for (const [index, object] of sorted.entries()) {
      const box = boxes[index]!;
      expect(box.x).toBeCloseTo(left + Math.max(0, object.bbox[0]) * scale, 0);
      expect(box.y).toBeCloseTo(Math.max(0, object.bbox[1]) * scale, 0);
      expect(box.width).toBeCloseTo((Math.min(432, object.bbox[2]) - Math.max(0, object.bbox[0])) * scale, 0);
      expect(box.track_id).toBe(object.track_id);
    }
    // and the pixels are there: the middle of each box's left edge has the box's colour on the canvas
    const hits = await page.getByTestId('video-overlay').evaluate((canvas: HTMLCanvasElement, drawnBoxes) => {
      const context = canvas.getContext('2d')!;
      const ratio = canvas.width / canvas.clientWidth;
      return drawnBoxes.map((box) => {
        const [r, g, b, a] = context.getImageData(
          Math.round((box.x + 1.5) * ratio),
          Math.round((box.y + box.height * 0.6) * ratio),
          1,
          1,
        ).data;
        const hex = `#${[r, g, b].map((channel) => channel!.toString(16).padStart(2, '0')).join('')}`;
        return { hex, alpha: a, colour: box.colour };
      });
    }, drawn.boxes);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.filter((hit) => hit.alpha === 255 && hit.hex === hit.colour).length).toBeGreaterThan(0);
    // outside the picture (the bars) nothing is drawn
    const barPixel = await page.getByTestId('video-overlay').evaluate((canvas: HTMLCanvasElement, x) => {
      return canvas.getContext('2d')!.getImageData(Math.floor(x), Math.floor(canvas.height / 2), 1, 1)
        .data[3];
    }, left / 2);
    expect(barPixel).toBe(0);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('seeks to a track’s first appearance when its row is clicked, and links the annotated MP4', async () => {
    const page = await openPage();
    await page.goto(`${stack.backend.url}/#/videos/${riderId}`);
    await waitCompleted(page);
    const tracks = (await apiJson<{ tracks: ApiTrack[] }>(stack.backend.url, `/videos/${riderId}/tracks`))
      .body.tracks;
    expect(tracks.length).toBeGreaterThan(0);
    expect(await page.getByTestId('track-row').count()).toBe(tracks.length);
    const video = page.getByTestId('video-element');
    await video.evaluate((element: HTMLVideoElement) => {
      element.currentTime = 2.9;
    });
    await expect
      .poll(() => video.evaluate((element: HTMLVideoElement) => element.currentTime))
      .toBeCloseTo(2.9, 2);
    for (const track of [...tracks].sort((a, b) => b.first_timestamp - a.first_timestamp).slice(0, 2)) {
      const row = page.locator(`[data-testid="track-row"][data-track-id="${track.track_id}"]`);
      // keyboard: focus the row's button and press Enter
      await row.getByRole('button').focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => video.evaluate((element: HTMLVideoElement) => element.currentTime))
        .toBeCloseTo(track.first_timestamp, 3);
      await expect
        .poll(async () => (await drawnState(page)).boxes.some((box) => box.track_id === track.track_id))
        .toBe(true);
    }

    const link = page.getByTestId('annotated-link');
    expect(await link.innerText()).toBe('Annotated MP4');
    const href = (await link.getAttribute('href'))!;
    const answer = await page.evaluate(async (url) => {
      const response = await fetch(url);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        box: new TextDecoder().decode(bytes.slice(4, 8)),
      };
    }, href);
    expect(answer).toEqual({ status: 200, type: 'video/mp4', box: 'ftyp' });
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('opens the stored video on a duplicate upload and says why a file is refused', async () => {
    const page = await openPage();
    await openVideos(page);
    await page.setInputFiles('#video-file-input', pan);
    await expect.poll(() => page.getByTestId('video-notice').innerText()).toContain('was uploaded before');
    await expect.poll(() => page.getByTestId('video-result').getAttribute('data-video-id')).toBe(riderId);

    await page.setInputFiles('#video-file-input', datasetPhoto('000000000086.jpg'));
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 30_000 });
    const text = await error.innerText();
    expect(text).toContain('Video upload failed: the server could not use this input.');
    expect(text).toMatch(/HTTP 4\d\d/);
    expect(text.toLowerCase()).toContain('video');
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('fits a phone screen and passes axe-core with a completed video', async () => {
    const page = await openPage(390, 844);
    await page.goto(`${stack.backend.url}/#/videos/${riderId}`);
    await waitCompleted(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'videos-390.png'), fullPage: true });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });

  it('takes the README screenshot (docs/screenshots/web-videos.png is a copy of it)', async () => {
    const page = await openPage(1440, 1000);
    await page.goto(`${stack.backend.url}/#/videos/${riderId}`);
    await waitCompleted(page);
    const video = page.getByTestId('video-element');
    await video.evaluate((element: HTMLVideoElement) => {
      element.currentTime = 1;
    });
    await expect.poll(async () => (await drawnState(page)).boxCount).toBeGreaterThan(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'videos.png') });
    await page.close();
  });

  it('follows the job by polling when the events stream is refused, and draws on timeupdate without requestVideoFrameCallback', async () => {
    const page = await openPage();
    // a browser without requestVideoFrameCallback, behind a proxy that refuses event streams
    await page.addInitScript(() => {
      delete (HTMLVideoElement.prototype as Partial<HTMLVideoElement>).requestVideoFrameCallback;
    });
    let refused = 0;
    await page.route(/\/jobs\/[^/]+\/events$/, (route) => {
      refused += 1;
      return route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });
    });
    await openVideos(page);
    const videoId = await uploadVideo(page, short, '5');
    await waitCompleted(page);
    expect(refused).toBeGreaterThan(0);
    const stored = await apiJson<{ status: string }>(stack.backend.url, `/videos/${videoId}`);
    expect(stored.body.status).toBe('completed');
    expect(await page.getByTestId('error').count()).toBe(0);

    expect(await page.getByTestId('video-overlay').getAttribute('data-sync')).toBe('timeupdate');
    const frames = (await apiJson<{ frames: ApiFrame[] }>(stack.backend.url, `/videos/${videoId}/frames`))
      .body.frames;
    const withObjects = frames.find((frame) => frame.objects.length > 0)!;
    const video = page.getByTestId('video-element');
    await video.evaluate((element: HTMLVideoElement, time) => {
      element.currentTime = time;
      return element.play();
    }, withObjects.timestamp);
    await expect.poll(async () => (await drawnState(page)).boxCount, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('deletes a video from the history after a confirmation', async () => {
    const page = await openPage();
    await openVideos(page);
    const item = page.locator(`[data-testid="video-history-item"][data-video-id="${riderId}"]`);
    await item.waitFor();
    await item.getByRole('button', { name: 'Delete rider-pan.mp4' }).click();
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await item.waitFor({ state: 'detached' });
    expect((await apiJson(stack.backend.url, `/videos/${riderId}`)).status).toBe(404);
    expect(page.problems).toEqual([]);
    await page.close();
  });
});
