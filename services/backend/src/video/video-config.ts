/** Video uploads and the video job workers (the VIDEO_* and FFMPEG_* variables). */
export interface VideoConfig {
  maxBytes: number;
  maxSeconds: number;
  maxPixels: number;
  defaultSampleFps: number;
  /** Workers in this process (VIDEO_WORKERS); 0 leaves the jobs to other processes. */
  workers: number;
  frameConcurrency: number;
  leaseMs: number;
  maxAttempts: number;
  pollIntervalMs: number;
  eventsPollMs: number;
  /** An event stream with nothing new sends an SSE comment this often, so proxies do not close it as idle. */
  eventsKeepAliveMs: number;
  tempDir: string;
  ffmpegPath?: string | undefined;
  ffprobePath?: string | undefined;
  stallTimeoutMs: number;
  probeTimeoutMs: number;
}
