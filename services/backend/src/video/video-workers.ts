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
