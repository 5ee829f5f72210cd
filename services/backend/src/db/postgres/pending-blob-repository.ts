import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { type BlobReservation, ReservationLostError } from '../image-repository.js';
import type { NewPendingBlob, PendingBlobRepository } from '../pending-blob-repository.js';
import type { PendingBlobRow } from '../records.js';
import { pendingBlobs } from '../schema/postgres.js';
import type { PostgresDatabase } from './connection.js';

/**
 * Inside the transaction that commits the row owning a blob: removes the blob's upload reservation, or throws
 * ReservationLostError when it is gone (the grace period passed and the sweeper took the blob).
 */
export async function releaseUploadReservation(
  tx: Pick<PostgresDatabase, 'delete'>,
  reservation: BlobReservation,
): Promise<void> {
  const released = await tx
    .delete(pendingBlobs)
    .where(
      and(
        eq(pendingBlobs.storageKey, reservation.storageKey),
        eq(pendingBlobs.token, reservation.token),
        eq(pendingBlobs.purpose, 'upload'),
      ),
    )
    .returning({ storageKey: pendingBlobs.storageKey });
  if (released.length !== 1) throw new ReservationLostError(reservation.storageKey);
}

/** PostgreSQL: a claim is one `UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)`, so replicas never wait on each other's rows. */
export class PostgresPendingBlobRepository implements PendingBlobRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async record(row: NewPendingBlob): Promise<void> {
    const values = { ...row, attempts: 0, lastError: null };
    await this.db
      .insert(pendingBlobs)
      .values(values)
      .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: values });
  }

  async release(storageKey: string, token: string): Promise<boolean> {
    const removed = await this.db
      .delete(pendingBlobs)
      .where(and(eq(pendingBlobs.storageKey, storageKey), eq(pendingBlobs.token, token)))
      .returning({ storageKey: pendingBlobs.storageKey });
    return removed.length === 1;
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<PendingBlobRow[]> {
    const due = this.db
      .select({ storageKey: pendingBlobs.storageKey })
      .from(pendingBlobs)
      .where(lte(pendingBlobs.dueAt, now))
      .orderBy(asc(pendingBlobs.dueAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    return this.db
      .update(pendingBlobs)
      .set({
        owner,
        token: sql`gen_random_uuid()::text`,
        dueAt: now + leaseMs,
        attempts: sql`${pendingBlobs.attempts} + 1`,
      })
      .where(inArray(pendingBlobs.storageKey, due))
      .returning();
  }

  async recordFailure(storageKey: string, token: string, error: string): Promise<void> {
    await this.db
      .update(pendingBlobs)
      .set({ lastError: error.slice(0, 1000) })
      .where(and(eq(pendingBlobs.storageKey, storageKey), eq(pendingBlobs.token, token)));
  }

  async find(storageKey: string): Promise<PendingBlobRow | null> {
    const [row] = await this.db.select().from(pendingBlobs).where(eq(pendingBlobs.storageKey, storageKey));
    return row ?? null;
  }
}
