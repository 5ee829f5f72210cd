import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { shippedPhoto } from '@detection/test-data';
import { ffmpegBinaries } from '../../src/video/ffmpeg-binaries.js';

const run = promisify(execFile);
const { ffmpeg } = ffmpegBinaries();

/** Runs the npm-installed ffmpeg with `args`, writing `out`; returns `out`. */
async function encode(args: string[], out: string): Promise<string> {
  await run(ffmpeg, ['-v', 'error', '-nostdin', '-y', ...args, out], { maxBuffer: 16 * 1024 * 1024 });
  return out;
}

export interface PanOptions {
  photo: string;
  seconds: number;
  fps?: number;
  /** Output size; the crop window of the photo that moves. */
  width?: number;
  height?: number;
  /** Horizontal speed of the crop window in photo pixels per second. */
  pixelsPerSecond?: number;
  codecArgs?: string[];
  /** Scales the crop to this size (e.g. a 16:9 crop of a 640-wide photo to 640x360). */
  outputSize?: { width: number; height: number };
}

/**
 * An H.264 MP4 that pans across one of the repository's COCO photos: a crop window moving right at a constant
 * speed, so every object in it moves the other way across the frame.
 */
export async function panOverPhoto(dir: string, name: string, options: PanOptions): Promise<string> {
  const photo = shippedPhoto(options.photo);
  // Even sizes: H.264 in 4:2:0 needs them.
  const even = (value: number) => value - (value % 2);
  const width = even(options.width ?? Math.min(480, photo.width - 80));
  const height = even(options.height ?? Math.min(360, photo.height));
  const speed = options.pixelsPerSecond ?? 20;
  const fps = options.fps ?? 10;
  return encode(
    [
      '-loop',
      '1',
      '-framerate',
      String(fps),
      '-i',
      photo.file,
      '-t',
      String(options.seconds),
      '-vf',
      `crop=${width}:${height}:'min(t*${speed},iw-${width})':'(ih-${height})/2'` +
        (options.outputSize ? `,scale=${options.outputSize.width}:${options.outputSize.height}` : '') +
        ',format=yuv420p',
      ...(options.codecArgs ?? ['-c:v', 'libx264', '-preset', 'ultrafast']),
    ],
    path.join(dir, name),
  );
}

/** An MP4 of one photo for `seconds`, then a hard cut to another for `seconds` (same size, both letterboxed). */
export async function cutBetweenPhotos(
  dir: string,
  name: string,
  options: { first: string; second: string; seconds: number; fps?: number },
): Promise<string> {
  const fps = options.fps ?? 10;
  const fit =
    'scale=480:360:force_original_aspect_ratio=decrease,pad=480:360:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p';
  return encode(
    [
      '-loop',
      '1',
      '-framerate',
      String(fps),
      '-t',
      String(options.seconds),
      '-i',
      shippedPhoto(options.first).file,
      '-loop',
      '1',
      '-framerate',
      String(fps),
      '-t',
      String(options.seconds),
      '-i',
      shippedPhoto(options.second).file,
      '-filter_complex',
      `[0:v]${fit}[a];[1:v]${fit}[b];[a][b]concat=n=2:v=1:a=0[v]`,
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    ],
    path.join(dir, name),
  );
}

/** A sine tone in an M4A (AAC) container: a valid media file with no video stream. */
export async function audioOnly(dir: string, name: string): Promise<string> {
  return encode(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac'], path.join(dir, name));
}

/** A short clip in a codec the backend refuses (FFV1 in Matroska). */
export async function unsupportedCodec(dir: string, name: string): Promise<string> {
  return encode(
    ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=5:duration=1', '-c:v', 'ffv1'],
    path.join(dir, name),
  );
}

/** A synthetic clip from ffmpeg's test source, of any size and length. */
export async function testPattern(
  dir: string,
  name: string,
  options: { width: number; height: number; seconds: number; fps?: number },
): Promise<string> {
  return encode(
    [
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${options.width}x${options.height}:rate=${options.fps ?? 5}:duration=${options.seconds}`,
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
    ],
    path.join(dir, name),
  );
}

/** The first half of a file's bytes, written next to it. */
export async function truncated(file: string, name: string): Promise<string> {
  const bytes = await fs.readFile(file);
  const out = path.join(path.dirname(file), name);
  await fs.writeFile(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return out;
}
