import { spawn } from 'node:child_process';

/** Which frames of the video to sample: `fps` frames per second of video, or every `everyNthFrame`-th frame. */
export type Sampling = { fps: number } | { everyNthFrame: number };

export interface SampledFrame {
  /** Position among the sampled frames, from 0. */
  index: number;
  /** Where the frame is in the video, in milliseconds. */
  timestampMs: number;
  jpeg: Buffer;
}

export class FfmpegError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FfmpegError';
  }
}

export interface FrameSamplerOptions {
  ffmpeg: string;
  file: string;
  sampling: Sampling;
  /** The video's own frame rate (timestamps of `everyNthFrame` sampling). */
  sourceFps: number;
  /** ffmpeg is killed when it writes nothing for this long (a hung decoder). */
  stallTimeoutMs: number;
  /** A frame larger than this is a broken stream: ffmpeg is killed. */
  maxFrameBytes?: number;
  /** Extra arguments before `-i` (tests use them to make ffmpeg misbehave: e.g. `-re` to slow it). */
  inputArgs?: string[];
}

const jpegEnd = Buffer.from([0xff, 0xd9]);

/** How many frames a sampling yields from a video of this length (for progress; the job counts the real number). */
export function expectedFrameCount(sampling: Sampling, durationSeconds: number, frameCount: number): number {
  if ('fps' in sampling) return Math.max(1, Math.round(durationSeconds * sampling.fps));
  return Math.max(1, Math.ceil(frameCount / sampling.everyNthFrame));
}

export function samplingFilter(sampling: Sampling): string[] {
  if ('fps' in sampling) return ['-vf', `fps=${sampling.fps}`];
  return ['-vf', `select=not(mod(n\\,${sampling.everyNthFrame}))`, '-vsync', '0'];
}

/**
 * Streams the sampled frames of a video as JPEG images out of one ffmpeg process (`image2pipe`, MJPEG), one at a
 * time: ffmpeg's stdout is read only as fast as the caller consumes frames, so memory stays at about one frame
 * plus the pipe buffer whatever the video's length. ffmpeg is killed when the caller stops early, when it stalls
 * for `stallTimeoutMs`, or when a frame grows past `maxFrameBytes`; a non-zero exit throws {@link FfmpegError}
 * with ffmpeg's last words.
 */
export async function* sampleFrames(options: FrameSamplerOptions): AsyncGenerator<SampledFrame> {
  const maxFrameBytes = options.maxFrameBytes ?? 64 * 1024 * 1024;
  const child = spawn(
    options.ffmpeg,
    [
      '-v',
      'error',
      // A decoding error ends ffmpeg with a non-zero exit (the job fails with the reason) rather than a silent gap.
      '-xerror',
      '-nostdin',
      ...(options.inputArgs ?? []),
      '-i',
      options.file,
      '-map',
      '0:v:0',
      ...samplingFilter(options.sampling),
      '-f',
      'image2pipe',
      '-c:v',
      'mjpeg',
      '-q:v',
      '3',
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new FfmpegError(`ffmpeg could not be started: ${error.message}`)));
  });
  spawnFailed.catch(() => undefined);

  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      child.kill('SIGKILL');
    }, options.stallTimeoutMs);
  };

  const timestampOf = (index: number) =>
    'fps' in options.sampling
      ? Math.round((index * 1000) / options.sampling.fps)
      : Math.round((index * options.sampling.everyNthFrame * 1000) / options.sourceFps);

  let index = 0;
  let pending: Buffer = Buffer.alloc(0);
  try {
    armStallTimer();
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      armStallTimer();
      const searchFrom = Math.max(0, pending.length - 1);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      let end = pending.indexOf(jpegEnd, searchFrom);
      while (end !== -1) {
        const jpeg = Buffer.from(pending.subarray(start, end + 2));
        start = end + 2;
        clearTimeout(timer);
        yield { index, timestampMs: timestampOf(index), jpeg };
        index += 1;
        armStallTimer();
        end = pending.indexOf(jpegEnd, start);
      }
      pending = start === 0 ? pending : pending.subarray(start);
      if (pending.length > maxFrameBytes) {
        child.kill('SIGKILL');
        throw new FfmpegError(`a decoded frame exceeded ${maxFrameBytes} bytes; the stream is broken`);
      }
    }
    const { code, signal } = await Promise.race([exited, spawnFailed]);
    if (stalled) {
      throw new FfmpegError(
        `ffmpeg stopped producing frames for ${options.stallTimeoutMs} ms after frame ${index} and was killed`,
      );
    }
    if (code !== 0) {
      const reason = stderr.trim().split('\n').filter(Boolean).at(-1) ?? 'no message';
      throw new FfmpegError(
        `ffmpeg failed after ${index} frame(s) (${signal ? `killed by ${signal}` : `exit code ${code}`}): ${reason}`,
      );
    }
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
