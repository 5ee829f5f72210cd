import type { BlobDeletion } from './image-repository.js';
import type { BlobPurpose, PendingBlobRow } from './records.js';

export interface NewPendingBlob {
  storageKey: string;
  purpose: BlobPurpose;
  owner: string;
  token: string;
  createdAt: number;
  dueAt: number;
}

/**
 * The ledger of blobs that may exist without an image row owning them (see `pending_blobs`). A row is written
 * before its blob, so a blob this deployment wrote is always either owned by an image row or listed here.
 * Every change after the first write is compare-and-set on the row's `token`, so that an upload finishing late and
 * the sweeper never both act on one row.
 */
export interface PendingBlobRepository {
  /** Writes (or replaces) the row. */
  record(row: NewPendingBlob): Promise<void>;
  /** Removes the row if it still holds `token`; false when someone else changed or removed it. */
  release(storageKey: string, token: string): Promise<boolean>;
  /**
   * Claims up to `limit` rows due at `now`, oldest first, skipping rows another replica is claiming: each gets a new
   * token, `owner`, one more attempt and `due_at = now + leaseMs` (the retry time should this claim not finish).
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<PendingBlobRow[]>;
  /** Notes why handling a claimed row failed (the row stays, due again when its lease ends). */
  recordFailure(storageKey: string, token: string, error: string): Promise<void>;
  /** The row for a key, if any (for diagnostics and tests). */
  find(storageKey: string): Promise<PendingBlobRow | null>;
}

/** The pending-blob row written with an image's delete: due at once. */
export function deletionRecord(storageKey: string, deletion: BlobDeletion): PendingBlobRow {
  return {
    storageKey,
    purpose: 'delete',
    owner: deletion.owner,
    token: deletion.token,
    createdAt: deletion.now,
    dueAt: deletion.now,
    attempts: 0,
    lastError: null,
  };
}
