import type { Logger } from 'pino';
import type { VideoRepository } from '../db/video-repository.js';
import type { ModelClient } from '../inference/model-client.js';
import type { RouteModel } from '../inference/model-route.js';
import type { Metrics } from '../metrics.js';
import type { BlobStorage } from '../storage/storage.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import type { VideoConfig } from './video-config.js';
import { VideoWorker, type VideoWorkerOptions } from './video-worker.js';

/** The `VIDEO_WORKERS` workers of this process (none with 0: a separate worker Deployment does the jobs). */
export class VideoWorkers {
  private readonly workers: VideoWorker[];

  constructor(count: number, options: Omit<VideoWorkerOptions, 'owner'> & { replicaId: string }) {
    this.workers = Array.from(
      { length: count },
      (_, i) => new VideoWorker({ ...options, owner: `${options.replicaId}/video-worker-${i + 1}` }),
    );
  }

  get size(): number {
    return this.workers.length;
  }

  start(): void {
    for (const worker of this.workers) worker.start();
  }

  /** A job was enqueued: idle workers look at the queue now. */
  wake(): void {
    for (const worker of this.workers) worker.wake();
  }

  /** Stops every worker; their jobs go back to the queue. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}

/** The workers `config.workers` asks for, configured from the VIDEO_* and FFMPEG_* settings. */
export function createVideoWorkers(
  config: VideoConfig,
  replicaId: string,
  deps: {
    videos: VideoRepository;
    storage: BlobStorage;
    modelClient: ModelClient;
    route?: RouteModel;
    logger: Logger;
    metrics: Metrics;
  },
): VideoWorkers {
  return new VideoWorkers(config.workers, {
    ...deps,
    binaries: ffmpegBinaries({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath }),
    replicaId,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    frameConcurrency: config.frameConcurrency,
    stallTimeoutMs: config.stallTimeoutMs,
    maxAttempts: config.maxAttempts,
    tempDir: config.tempDir,
  });
}
