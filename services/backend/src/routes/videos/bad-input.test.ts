import fs from 'node:fs/promises';
import path from 'node:path';
import { readShippedPhoto } from '@detection/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart } from '../../../test/support/images.js';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import {
  audioOnly,
  panOverPhoto,
  testPattern,
  truncated,
  unsupportedCodec,
} from '../../../test/support/videos.js';

/**
 * Every kind of bad video input is refused with a 4xx JSON `{error}` saying what was wrong, and leaves nothing
 * behind: no video or job row, no blob, no pending-blob row. No model server is needed: nothing reaches a job.
 */
describe('POST /videos with bad input', () => {
  let t: TestApp;
  let dir: string;
  let pan: string;

  beforeAll(async () => {
    t = await createTestApp({
      config: { video: { maxSeconds: 5, maxBytes: 2_000_000, maxPixels: 640 * 480, workers: 0 } },
    });
    dir = path.join(t.dir, 'videos-in');
    await fs.mkdir(dir);
    pan = await panOverPhoto(dir, 'pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 2,
      fps: 10,
      width: 320,
      height: 240,
    });
  });
  afterAll(() => t?.close());

  const upload = async (bytes: Uint8Array, query = '', filename = 'clip.mp4') => {
    const res = await t.app.request(`/videos${query}`, {
      method: 'POST',
      body: multipart(blobOf(bytes), filename),
    });
    return { status: res.status, body: (await res.json()) as { error: string } };
  };
  const nothingStored = async () =>
    expect(await t.storedVideos()).toEqual({ videos: 0, jobs: 0, frames: 0, pendingBlobs: 0, files: [] });

  const cases: Array<[string, () => Promise<Uint8Array>, string, number, RegExp]> = [
    ['a photo', async () => readShippedPhoto('000000000086.jpg'), '', 400, /not a video/],
    [
      'text',
      async () => Buffer.from('hello, this is not a video'.repeat(50)),
      '',
      400,
      /not a readable video/,
    ],
    ['a zero-length file', async () => new Uint8Array(0), '', 400, /empty \(0 bytes\)/],
    ['a truncated MP4', async () => fs.readFile(await truncated(pan, 'half.mp4')), '', 400, /truncated/],
    [
      'audio only',
      async () => fs.readFile(await audioOnly(dir, 'tone.m4a')),
      '',
      415,
      /^the file has no video stream \(only audio\)$/,
    ],
    [
      'an unsupported codec',
      async () => fs.readFile(await unsupportedCodec(dir, 'ffv1.mkv')),
      '',
      415,
      /unsupported video codec "ffv1"/,
    ],
    [
      'a video longer than MAX_VIDEO_SECONDS',
      async () => fs.readFile(await testPattern(dir, 'long.mp4', { width: 64, height: 48, seconds: 6 })),
      '',
      413,
      /6\.0 s long, more than the 5 s limit \(MAX_VIDEO_SECONDS\)/,
    ],
    [
      'frames larger than MAX_VIDEO_PIXELS',
      async () => fs.readFile(await testPattern(dir, 'wide.mp4', { width: 800, height: 600, seconds: 1 })),
      '',
      413,
      /800×600, more than the 307200-pixel frame limit/,
    ],
    ['fps 0', async () => fs.readFile(pan), '?fps=0', 400, /fps: must be more than 0/],
    ['negative fps', async () => fs.readFile(pan), '?fps=-2', 400, /fps: must be more than 0/],
    ['absurd fps', async () => fs.readFile(pan), '?fps=1000', 400, /fps: must be at most 60/],
    [
      'fps above the video’s own',
      async () => fs.readFile(pan),
      '?fps=25',
      400,
      /more than the video's own frame rate \(10\)/,
    ],
    [
      'fps and every_nth_frame together',
      async () => fs.readFile(pan),
      '?fps=2&every_nth_frame=3',
      400,
      /either fps or every_nth_frame/,
    ],
    [
      'every_nth_frame 0',
      async () => fs.readFile(pan),
      '?every_nth_frame=0',
      400,
      /every_nth_frame: must be at least 1/,
    ],
  ];

  it.each(cases)(
    'Should refuse %s with the reason and store nothing',
    async (_, bytes, query, status, message) => {
      const { status: answered, body } = await upload(await bytes(), query);
      expect(answered, JSON.stringify(body)).toBe(status);
      expect(body.error).toMatch(message);
      await nothingStored();
    },
  );

  it('Should refuse a file larger than MAX_VIDEO_BYTES before reading it', async () => {
    const { status, body } = await upload(new Uint8Array(2_000_001));
    expect(status).toBe(413);
    expect(body.error).toMatch(/more than the 2000000-byte upload limit/);
    await nothingStored();
  });

  it('Should refuse a URL on a private address (the image SSRF policy) and a request without a file', async () => {
    const res = await t.app.request('/videos', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/clip.mp4' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/private|loopback|not allowed/i);
    const none = await t.app.request('/videos', { method: 'POST', body: multipart(null) });
    expect(none.status).toBe(400);
    const text = await t.app.request('/videos', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'a video',
    });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: string }).error).toMatch(/^unsupported media type "text\/plain"/);
    const empty = await t.app.request('/videos', { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toMatch(
      /^send the video as multipart\/form-data/,
    );
    await nothingStored();
  });
});
