import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { cutBetweenPhotos, panOverPhoto } from '../../test/support/videos.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import { FfmpegError, type SampledFrame, type Sampling, sampleFrames } from './frame-sampler.js';

const { ffmpeg } = ffmpegBinaries();

async function collect(file: string, sampling: Sampling, stallTimeoutMs = 20_000): Promise<SampledFrame[]> {
  const frames: SampledFrame[] = [];
  for await (const frame of sampleFrames({ ffmpeg, file, sampling, sourceFps: 10, stallTimeoutMs }))
    frames.push(frame);
  return frames;
}

/** Mean colour of a frame, to tell two photos apart. */
async function meanColour(jpeg: Buffer): Promise<number[]> {
  const { channels } = await sharp(jpeg).stats();
  return channels.map((channel) => channel.mean);
}

describe('sampleFrames (frames streamed out of ffmpeg as JPEG)', () => {
  let dir: string;
  let pan: string;
  beforeAll(async () => {
    dir = await makeTempDir('frame-sampler-');
    pan = await panOverPhoto(dir, 'pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      fps: 10,
      width: 320,
      height: 240,
    });
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should sample 2 frames per second as decodable JPEGs with their timestamps', async () => {
    const frames = await collect(pan, { fps: 2 });
    expect(frames.map((frame) => frame.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames.map((frame) => frame.timestampMs)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    for (const frame of frames) {
      expect(await sharp(frame.jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    }
    // The pan moves the picture: consecutive sampled frames differ.
    expect(frames[0]!.jpeg.equals(frames[1]!.jpeg)).toBe(false);
  });

  it('Should sample every 4th frame with timestamps from the video’s frame rate', async () => {
    const frames = await collect(pan, { everyNthFrame: 4 });
    expect(frames.map((frame) => frame.timestampMs)).toEqual([0, 400, 800, 1200, 1600, 2000, 2400, 2800]);
  });

  it('Should show the cut between two photos in the sampled frames', async () => {
    const cut = await cutBetweenPhotos(dir, 'cut.mp4', {
      first: '000000000086.jpg',
      second: '000000000165.jpg',
      seconds: 1,
    });
    const frames = await collect(cut, { fps: 4 });
    expect(frames).toHaveLength(8);
    const colours = await Promise.all(frames.map((frame) => meanColour(frame.jpeg)));
    const distance = (a: number[], b: number[]) => Math.hypot(...a.map((value, i) => value - b[i]!));
    expect(distance(colours[0]!, colours[3]!)).toBeLessThan(2);
    expect(distance(colours[4]!, colours[7]!)).toBeLessThan(2);
    expect(distance(colours[3]!, colours[4]!)).toBeGreaterThan(10);
  });

  it('Should stop ffmpeg when the consumer stops early', async () => {
    const frames: SampledFrame[] = [];
    for await (const frame of sampleFrames({
      ffmpeg,
      file: pan,
      sampling: { fps: 10 },
      sourceFps: 10,
      stallTimeoutMs: 20_000,
    })) {
      frames.push(frame);
      if (frames.length === 2) break;
    }
    expect(frames).toHaveLength(2);
  });

  it('Should fail with ffmpeg’s reason when the stream is corrupt part-way', async () => {
    const whole = await panOverPhoto(dir, 'faststart.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart'],
    });
    const bytes = await fs.readFile(whole);
    const cut = path.join(dir, 'cut-short.mp4');
    await fs.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const error = await collect(cut, { fps: 10 }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as Error).message).toMatch(/ffmpeg failed after \d+ frame\(s\) \(exit code 1\): .+/);
  });

  it('Should kill an ffmpeg that hangs (input that never arrives) after the stall timeout', async () => {
    const fifo = path.join(dir, 'never-written.fifo');
    await promisify(execFile)('mkfifo', [fifo]);
    const started = performance.now();
    const error = await collect(fifo, { fps: 1 }, 300).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as Error).message).toBe(
      'ffmpeg stopped producing frames for 300 ms after frame 0 and was killed',
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});
