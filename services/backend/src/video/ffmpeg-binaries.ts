import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
}

/**
 * The ffmpeg and ffprobe executables: the static builds that `@ffmpeg-installer/ffmpeg` and
 * `@ffprobe-installer/ffprobe` install from the npm registry, unless FFMPEG_PATH / FFPROBE_PATH name others
 * (the container image uses Debian's).
 */
export function ffmpegBinaries(
  overrides: { ffmpegPath?: string | undefined; ffprobePath?: string | undefined } = {},
): FfmpegBinaries {
  return {
    ffmpeg: overrides.ffmpegPath ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
    ffprobe: overrides.ffprobePath ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path,
  };
}
