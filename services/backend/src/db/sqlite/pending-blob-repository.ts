import { randomUUID } from 'node:crypto';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { type BlobReservation, ReservationLostError } from '../image-repository.js';
import type { NewPendingBlob, PendingBlobRepository } from '../pending-blob-repository.js';
import type { PendingBlobRow } from '../records.js';
import { pendingBlobs } from '../schema/sqlite.js';
import type { SqliteDatabase } from './connection.js';

/**
 * Inside the transaction that commits the row owning a blob: removes the blob's upload reservation, or throws
 * ReservationLostError when it is gone (the grace period passed and the sweeper took the blob).
 */
export function releaseUploadReservation(
  tx: Pick<SqliteDatabase, 'delete'>,
  reservation: BlobReservation,
): void {
  const released = tx
    .delete(pendingBlobs)
    .where(
      and(
        eq(pendingBlobs.storageKey, reservation.storageKey),
        eq(pendingBlobs.token, reservation.token),
        eq(pendingBlobs.purpose, 'upload'),
      ),
    )
    .run();
  if (released.changes !== 1) throw new ReservationLostError(reservation.storageKey);
}

/** SQLite: a claim is one immediate transaction (the database's single writer makes it exclusive). */
export class SqlitePendingBlobRepository implements PendingBlobRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async record(row: NewPendingBlob): Promise<void> {
    const values = { ...row, attempts: 0, lastError: null };
    this.db
      .insert(pendingBlobs)
      .values(values)
      .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: values })
      .run();
  }

  async release(storageKey: string, token: string): Promise<boolean> {
    const result = this.db
      .delete(pendingBlobs)
      .where(and(eq(pendingBlobs.storageKey, storageKey), eq(pendingBlobs.token, token)))
      .run();
    return result.changes === 1;
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<PendingBlobRow[]> {
    return this.db.transaction(
      (tx) => {
        const due = tx
          .select({ storageKey: pendingBlobs.storageKey })
          .from(pendingBlobs)
          .where(lte(pendingBlobs.dueAt, now))
          .orderBy(asc(pendingBlobs.dueAt))
          .limit(limit)
          .all();
        return due.map(
          ({ storageKey }) =>
            tx
              .update(pendingBlobs)
              .set({
                owner,
                token: randomUUID(),
                dueAt: now + leaseMs,
                attempts: sql`${pendingBlobs.attempts} + 1`,
              })
              .where(eq(pendingBlobs.storageKey, storageKey))
              .returning()
              .get()!,
        );
      },
      { behavior: 'immediate' },
    );
  }

  async recordFailure(storageKey: string, token: string, error: string): Promise<void> {
    this.db
      .update(pendingBlobs)
      .set({ lastError: error.slice(0, 1000) })
      .where(and(eq(pendingBlobs.storageKey, storageKey), eq(pendingBlobs.token, token)))
      .run();
  }

  async find(storageKey: string): Promise<PendingBlobRow | null> {
    return this.db.select().from(pendingBlobs).where(eq(pendingBlobs.storageKey, storageKey)).get() ?? null;
  }
}
