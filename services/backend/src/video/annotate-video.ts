import { spawn } from 'node:child_process';
import { once } from 'node:events';
import sharp from 'sharp';
import { captionTextColour, formatScore, labelColour } from '../images/label-style.js';
import type { FrameObject } from './frame-objects.js';
import { FfmpegError } from './frame-sampler.js';

export interface AnnotateVideoOptions {
  ffmpeg: string;
  input: string;
  output: string;
  width: number;
  height: number;
  fps: number;
  /** The sampled frames in order: each one's boxes are drawn from its timestamp until the next one's. */
  frames: Array<{ timestampMs: number; objects: FrameObject[] }>;
  /** The longer side of the output; larger videos are scaled down, boxes with them. */
  maxSide: number;
  /** Both ffmpeg processes are killed when the decoder writes nothing for this long. */
  stallTimeoutMs: number;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!,
  );

/** The boxes of one sampled frame as a transparent RGBA overlay: "#track label 87%" captions in each label's colour. */
async function overlay(
  objects: FrameObject[],
  width: number,
  height: number,
  scale: number,
): Promise<Buffer> {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const fontSize = Math.max(12, Math.round(Math.min(width, height) / 30));
  const shapes = objects.map((object) => {
    const color = labelColour(object.label);
    const [x1, y1, x2, y2] = object.bbox.map((value) => Math.round(value * scale)) as [
      number,
      number,
      number,
      number,
    ];
    const text = `${object.track_id === null ? '' : `#${object.track_id} `}${object.label} ${formatScore(object.score)}`;
    const captionWidth = Math.round(fontSize * 0.62 * text.length) + 8;
    const captionY = y1 - fontSize - 6 >= 0 ? y1 - fontSize - 6 : y1;
    return [
      `<rect x="${x1}" y="${y1}" width="${Math.max(1, x2 - x1)}" height="${Math.max(1, y2 - y1)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`,
      `<rect x="${x1}" y="${captionY}" width="${captionWidth}" height="${fontSize + 6}" fill="${color}"/>`,
      `<text x="${x1 + 4}" y="${captionY + fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="${captionTextColour(color)}">${escapeXml(text)}</text>`,
    ].join('');
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const even = (value: number) => Math.max(2, value - (value % 2));

/**
 * Renders the H.264 MP4 with the detected boxes, labels and track ids drawn: one ffmpeg decodes the video to raw
 * RGB frames, each frame gets the overlay of the latest sampled frame at or before it (sharp), and a second ffmpeg
 * encodes them (libx264, yuv420p, `+faststart` so that a player can start before the whole file arrived). Memory is
 * a few frames; the overlays are drawn once per sampled frame.
 */
export async function renderAnnotatedVideo(options: AnnotateVideoOptions): Promise<void> {
  const scale = Math.min(1, options.maxSide / Math.max(options.width, options.height));
  const width = even(Math.round(options.width * scale));
  const height = even(Math.round(options.height * scale));
  const frameBytes = width * height * 3;
  const decoder = spawn(
    options.ffmpeg,
    [
      '-v',
      'error',
      '-nostdin',
      '-i',
      options.input,
      '-map',
      '0:v:0',
      '-vf',
      `scale=${width}:${height}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const encoder = spawn(
    options.ffmpeg,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      String(options.fps),
      '-i',
      '-',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      options.output,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let errors = '';
  for (const child of [decoder, encoder]) {
    child.stderr.on('data', (chunk: Buffer) => {
      errors = (errors + chunk.toString('utf8')).slice(-2000);
    });
  }
  const decoderExit = once(decoder, 'close');
  const encoderExit = once(encoder, 'close');
  encoder.stdin.on('error', () => undefined);
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      decoder.kill('SIGKILL');
      encoder.kill('SIGKILL');
    }, options.stallTimeoutMs);
  };

  const overlays = new Map<number, Buffer | null>();
  const overlayFor = async (index: number) => {
    if (index < 0) return null;
    if (!overlays.has(index)) {
      const objects = options.frames[index]!.objects;
      overlays.clear();
      overlays.set(index, objects.length === 0 ? null : await overlay(objects, width, height, scale));
    }
    return overlays.get(index)!;
  };

  try {
    arm();
    let pending = Buffer.alloc(0) as Buffer;
    let frame = 0;
    let sample = -1;
    for await (const chunk of decoder.stdout as AsyncIterable<Buffer>) {
      arm();
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= frameBytes) {
        const raw = pending.subarray(0, frameBytes);
        pending = pending.subarray(frameBytes);
        const timeMs = (frame * 1000) / options.fps;
        while (sample + 1 < options.frames.length && options.frames[sample + 1]!.timestampMs <= timeMs + 0.5)
          sample += 1;
        const drawn = await overlayFor(sample);
        const out = drawn
          ? await sharp(raw, { raw: { width, height, channels: 3 } })
              .composite([{ input: drawn, top: 0, left: 0 }])
              .removeAlpha()
              .raw()
              .toBuffer()
          : Buffer.from(raw);
        if (!encoder.stdin.write(out)) await once(encoder.stdin, 'drain');
        frame += 1;
      }
    }
    encoder.stdin.end();
    const [[decoderCode], [encoderCode]] = await Promise.all([decoderExit, encoderExit]);
    if (stalled)
      throw new FfmpegError(
        `ffmpeg stopped for ${options.stallTimeoutMs} ms while drawing the annotated video`,
      );
    if (decoderCode !== 0 || encoderCode !== 0 || frame === 0) {
      throw new FfmpegError(
        `drawing the annotated video failed after ${frame} frame(s): ${errors.trim().split('\n').at(-1) ?? 'no frames'}`,
      );
    }
  } finally {
    clearTimeout(timer);
    for (const child of [decoder, encoder])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
