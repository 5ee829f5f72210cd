import fs from 'node:fs/promises';
import path from 'node:path';
import { readShippedPhoto } from '@detection/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import {
  audioOnly,
  cutBetweenPhotos,
  panOverPhoto,
  testPattern,
  truncated,
  unsupportedCodec,
} from '../../test/support/videos.js';
import { ApiError } from '../errors.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { probeVideo } from './video-probe.js';

const binaries = ffmpegBinaries();
const limits = { maxSeconds: 60, maxPixels: 8_000_000 };

describe('probeVideo (the npm-installed ffprobe and ffmpeg)', () => {
  let dir: string;
  let pan: string;
  beforeAll(async () => {
    dir = await makeTempDir('video-probe-');
    pan = await panOverPhoto(dir, 'pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 2,
      fps: 10,
      width: 320,
      height: 240,
    });
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const refusal = async (file: string, probeLimits = limits) => {
    const error = await probeVideo(binaries, file, probeLimits, 10_000).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  it('Should read duration, frame rate, size and codec of a generated pan over a photo', async () => {
    expect(await probeVideo(binaries, pan, limits, 10_000)).toMatchObject({
      codec: 'h264',
      width: 320,
      height: 240,
      fps: 10,
      durationSeconds: 2,
      frameCount: 20,
    });
  });

  it('Should read a clip with a cut between two photos', async () => {
    const cut = await cutBetweenPhotos(dir, 'cut.mp4', {
      first: '000000000086.jpg',
      second: '000000000165.jpg',
      seconds: 1,
    });
    expect(await probeVideo(binaries, cut, limits, 10_000)).toMatchObject({
      codec: 'h264',
      width: 480,
      height: 360,
      frameCount: 20,
    });
  });

  it('Should refuse a photo, random bytes, an empty file and a truncated MP4 with 400 and the reason', async () => {
    const photo = path.join(dir, 'photo.jpg');
    await fs.writeFile(photo, readShippedPhoto('000000000086.jpg'));
    expect((await refusal(photo)).message).toMatch(/not a video/);
    const noise = path.join(dir, 'noise.bin');
    await fs.writeFile(noise, Buffer.from('this is plain text, not a video at all'.repeat(100)));
    expect((await refusal(noise)).status).toBe(400);
    const empty = path.join(dir, 'empty.mp4');
    await fs.writeFile(empty, Buffer.alloc(0));
    expect((await refusal(empty)).status).toBe(400);
    const cutShort = await refusal(await truncated(pan, 'truncated.mp4'));
    expect(cutShort.status).toBe(400);
    expect(cutShort.message).toMatch(/truncated|corrupt/);
  });

  it('Should refuse audio only and an unsupported codec with 415', async () => {
    const audio = await refusal(await audioOnly(dir, 'tone.m4a'));
    expect(audio.status).toBe(415);
    expect(audio.message).toBe('the file has no video stream (only audio)');
    const ffv1 = await refusal(await unsupportedCodec(dir, 'ffv1.mkv'));
    expect(ffv1.status).toBe(415);
    expect(ffv1.message).toMatch(/unsupported video codec "ffv1"/);
  });

  it('Should refuse a video longer than the limit or with larger frames with 413', async () => {
    const long = await refusal(pan, { maxSeconds: 1, maxPixels: limits.maxPixels });
    expect(long.status).toBe(413);
    expect(long.message).toMatch(/2\.0 s long, more than the 1 s limit/);
    const big = await testPattern(dir, 'big.mp4', { width: 640, height: 480, seconds: 1 });
    const wide = await refusal(big, { maxSeconds: 60, maxPixels: 640 * 480 - 1 });
    expect(wide.status).toBe(413);
    expect(wide.message).toMatch(/640×480/);
  });
});
