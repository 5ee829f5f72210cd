import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlobReservation } from '../db/image-repository.js';
import type { PendingBlobRepository } from '../db/pending-blob-repository.js';
import type { BlobStorage } from '../storage/storage.js';

export interface BlobDisposalDependencies {
  pendingBlobs: PendingBlobRepository;
  storage: BlobStorage;
  logger: Logger;
  /** Names this process in the pending-blob rows it writes. */
  replicaId: string;
  /** How long an upload's blob may wait for the row that owns it before the sweeper deletes it. */
  uploadGracePeriodMs: number;
}

/**
 * Pending-blob bookkeeping around the blobs rows own (images, videos, annotated videos): a blob is recorded before
 * it is written, and one that no row owns is deleted, so that a failure leaves work for the sweeper, never an orphan.
 */
export class BlobDisposal {
  constructor(private readonly deps: BlobDisposalDependencies) {}

  /**
   * Records the blob about to be written under `reservation` as an upload, due for deletion after the grace
   * period unless the row that owns it is committed first.
   */
  async reserve(reservation: BlobReservation, createdAt: number): Promise<void> {
    await this.deps.pendingBlobs.record({
      ...reservation,
      purpose: 'upload',
      owner: this.deps.replicaId,
      createdAt,
      dueAt: createdAt + this.deps.uploadGracePeriodMs,
    });
  }

  /**
   * Deletes a blob that no row will own: first (re)records it as pending deletion, due now, so that a failure
   * below leaves it to the sweeper rather than orphaned.
   */
  async discard(storageKey: string): Promise<void> {
    const token = randomUUID();
    const now = Date.now();
    try {
      await this.deps.pendingBlobs.record({
        storageKey,
        token,
        purpose: 'delete',
        owner: this.deps.replicaId,
        createdAt: now,
        dueAt: now,
      });
    } catch (error) {
      // The upload's own pending record is still there: the sweeper deletes the blob after the grace period.
      this.deps.logger.warn({ err: error, storageKey }, 'could not record a blob for deletion');
    }
    await this.remove(storageKey, token);
  }

  /** Deletes a blob recorded as pending deletion under `token`, then the record; a failure is left to the sweeper. */
  async remove(storageKey: string, token: string): Promise<void> {
    try {
      await this.deps.storage.delete(storageKey);
      await this.deps.pendingBlobs.release(storageKey, token);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, storageKey },
        'blob removal failed; the blob sweeper will retry it',
      );
    }
  }
}
