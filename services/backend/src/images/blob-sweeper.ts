import type { Logger } from 'pino';
import type { ImageRepository } from '../db/image-repository.js';
import type { PendingBlobRepository } from '../db/pending-blob-repository.js';
import type { VideoRepository } from '../db/video-repository.js';
import { isImageStorageKey } from '../storage/image-keys.js';
import type { BlobStorage } from '../storage/storage.js';
import { isVideoStorageKey } from '../storage/video-keys.js';

export interface BlobSweeperOptions {
  repository: ImageRepository;
  /** Video rows own video blobs as image rows own image blobs. */
  videos: Pick<VideoRepository, 'isReferenced'>;
  pendingBlobs: PendingBlobRepository;
  storage: BlobStorage;
  logger: Logger;
  /** Names this process in the rows it claims. */
  owner: string;
  /** Rows handled per pass: one pass is bounded whatever the backlog. */
  batchSize: number;
  /** Pause between passes. */
  intervalMs: number;
  /** How long a claimed row is this replica's; a row whose deletion failed is retried after it. */
  leaseMs: number;
}

export interface SweepResult {
  deleted: string[];
  /** Rows dropped without touching storage: an image owns the blob, or the key is not in the backend's format. */
  skipped: string[];
  failed: string[];
}

/**
 * Deletes the blobs listed as due in `pending_blobs` (abandoned uploads past their grace period, deletes whose
 * blob removal failed), a bounded batch per pass. It never lists the storage: a blob the database does not list
 * is never deleted, and neither is a key outside the backend's own key format.
 */
export class BlobSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;

  constructor(private readonly options: BlobSweeperOptions) {}

  async sweepOnce(now = Date.now()): Promise<SweepResult> {
    const { pendingBlobs, repository, videos, storage, logger } = this.options;
    const claimed = await pendingBlobs.claimDue(
      now,
      this.options.batchSize,
      this.options.owner,
      this.options.leaseMs,
    );
    const result: SweepResult = { deleted: [], skipped: [], failed: [] };
    for (const row of claimed) {
      const { storageKey, token } = row;
      try {
        const owned = isImageStorageKey(storageKey)
          ? await repository.isReferenced(storageKey)
          : isVideoStorageKey(storageKey)
            ? await videos.isReferenced(storageKey)
            : true;
        if (owned) {
          logger.warn({ storageKey, purpose: row.purpose }, 'pending blob left alone: not ours to delete');
          await pendingBlobs.release(storageKey, token);
          result.skipped.push(storageKey);
          continue;
        }
        await storage.delete(storageKey);
        await pendingBlobs.release(storageKey, token);
        result.deleted.push(storageKey);
      } catch (error) {
        result.failed.push(storageKey);
        logger.warn(
          { err: error, storageKey, attempts: row.attempts },
          'pending blob deletion failed; retried later',
        );
        await pendingBlobs.recordFailure(storageKey, token, String(error)).catch(() => undefined);
      }
    }
    if (claimed.length > 0) {
      logger.info(
        { deleted: result.deleted.length, skipped: result.skipped.length, failed: result.failed.length },
        'swept pending blobs',
      );
    }
    return result;
  }

  /** Sweeps now and then every `intervalMs`, until `stop()`. */
  start(): void {
    this.stopped = false;
    const pass = () => {
      this.running = this.sweepOnce()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'blob sweep failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(pass, this.options.intervalMs).unref();
        });
    };
    pass();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
