import { ApiError } from '../errors.js';
import { runProcess } from './run-process.js';

export interface ProbedVideo {
  /** ffmpeg's name of the container format, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  codec: string;
  width: number;
  height: number;
  /** Average frame rate of the video stream. */
  fps: number;
  durationSeconds: number;
  /** Frames in the video stream: from the container when it says, otherwise duration × fps. */
  frameCount: number;
}

export interface VideoLimits {
  maxSeconds: number;
  maxPixels: number;
}

/** Video codecs the backend decodes (ffmpeg decodes more; these are the ones worth accepting from users). */
export const supportedVideoCodecs = [
  'h264',
  'hevc',
  'vp8',
  'vp9',
  'av1',
  'mpeg4',
  'mpeg2video',
  'mjpeg',
] as const;

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  duration?: string;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

function rate(value: string | undefined): number {
  if (!value) return 0;
  const [num, den] = value.split('/').map(Number);
  if (!num || !Number.isFinite(num)) return 0;
  return den ? num / den : num;
}

/** The last line ffmpeg printed, as the plain reason for a refusal. */
function lastLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  return (lines.at(-1) ?? 'no output').replace(/^.*?:\s(?=[A-Za-z])/, '').slice(0, 200);
}

/**
 * Reads the container and first video stream with ffprobe and refuses what the backend does not take: not a
 * video or unreadable (400), no video stream (415), a codec outside {@link supportedVideoCodecs} (415), longer than
 * `maxSeconds` or more than `maxPixels` per frame (413). Then decodes the first frame, so that a stream ffprobe
 * can describe but not decode is refused here rather than in the job.
 */
export async function probeVideo(
  binaries: { ffprobe: string; ffmpeg: string },
  file: string,
  limits: VideoLimits,
  timeoutMs: number,
): Promise<ProbedVideo> {
  const probe = await runProcess(
    binaries.ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
    { timeoutMs },
  );
  if (probe.timedOut) throw new ApiError(400, `reading the video took longer than ${timeoutMs} ms`);
  if (probe.code !== 0) {
    throw new ApiError(
      400,
      `the file is not a readable video (truncated, corrupt or not a video): ${lastLine(probe.stderr)}`,
    );
  }
  const output = JSON.parse(probe.stdout) as ProbeOutput;
  const container = output.format?.format_name ?? 'unknown';
  if (/^(image2|png_pipe|jpeg_pipe|webp_pipe|gif|tty|txt)/.test(container) || container.endsWith('_pipe')) {
    throw new ApiError(400, `the file is not a video (ffmpeg reads it as "${container}")`);
  }
  const stream = output.streams?.find((candidate) => candidate.codec_type === 'video');
  if (!stream) {
    const kinds = [...new Set((output.streams ?? []).map((s) => s.codec_type ?? 'unknown'))];
    throw new ApiError(
      415,
      kinds.length > 0
        ? `the file has no video stream (only ${kinds.join(', ')})`
        : 'the file has no video stream',
    );
  }
  const codec = stream.codec_name ?? 'unknown';
  if (!(supportedVideoCodecs as readonly string[]).includes(codec)) {
    throw new ApiError(
      415,
      `unsupported video codec "${codec}": expected one of ${supportedVideoCodecs.join(', ')}`,
    );
  }
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  if (width <= 0 || height <= 0) throw new ApiError(400, 'the video stream has no dimensions');
  if (width * height > limits.maxPixels) {
    throw new ApiError(
      413,
      `the video is ${width}×${height}, more than the ${limits.maxPixels}-pixel frame limit`,
    );
  }
  const fps = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
  if (!(fps > 0) || fps > 1000)
    throw new ApiError(400, `the video stream has no usable frame rate (${stream.avg_frame_rate})`);
  const durationSeconds = Number(stream.duration ?? output.format?.duration ?? Number.NaN);
  if (!(durationSeconds > 0))
    throw new ApiError(400, 'the video has no duration (no frames, or a truncated file)');
  if (durationSeconds > limits.maxSeconds) {
    throw new ApiError(
      413,
      `the video is ${durationSeconds.toFixed(1)} s long, more than the ${limits.maxSeconds} s limit (MAX_VIDEO_SECONDS)`,
    );
  }
  const declaredFrames = Number(stream.nb_frames);
  const frameCount = declaredFrames > 0 ? declaredFrames : Math.max(1, Math.round(durationSeconds * fps));

  const decode = await runProcess(
    binaries.ffmpeg,
    ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-'],
    { timeoutMs },
  );
  if (decode.timedOut) throw new ApiError(400, `decoding the first frame took longer than ${timeoutMs} ms`);
  if (decode.code !== 0 || /error|invalid/i.test(decode.stderr)) {
    throw new ApiError(400, `the video's first frame does not decode: ${lastLine(decode.stderr)}`);
  }
  return { container, codec, width, height, fps, durationSeconds, frameCount };
}
