import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { isUniqueViolation } from '../errors.js';
import type { BlobDeletion, BlobReservation } from '../image-repository.js';
import { deletionRecord } from '../pending-blob-repository.js';
import type { NewVideoJobRow, NewVideoRow, VideoFrameRow, VideoJobRow, VideoTrackRow } from '../records.js';
import { pendingBlobs, videoFrames, videoJobs, videos, videoTracks } from '../schema/postgres.js';
import {
  DuplicateVideoError,
  type FrameWrite,
  type JobCompletion,
  type NewVideoFrame,
  pageOf,
  type VideoCursor,
  type VideoPage,
  type VideoRepository,
  type VideoWithJob,
} from '../video-repository.js';
import type { PostgresDatabase } from './connection.js';
import { releaseUploadReservation } from './pending-blob-repository.js';

/** Thrown inside a transaction to roll it back when the worker no longer holds its job. */
class LeaseLost extends Error {}

/**
 * PostgreSQL: a claim is one `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`, so workers on several
 * replicas never wait on each other or take the same job.
 */
export class PostgresVideoRepository implements VideoRepository {
  constructor(private readonly db: PostgresDatabase) {}

  private heldBy(jobId: string, owner: string) {
    return and(eq(videoJobs.id, jobId), eq(videoJobs.leaseOwner, owner), eq(videoJobs.state, 'running'));
  }

  async insertVideo(video: NewVideoRow, job: NewVideoJobRow, reservation: BlobReservation): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await releaseUploadReservation(tx, reservation);
        await tx.insert(videos).values(video);
        await tx.insert(videoJobs).values(job);
      });
    } catch (error) {
      if (isUniqueViolation(error) && (await this.exists(video.id))) throw new DuplicateVideoError(video.id);
      throw error;
    }
  }

  async exists(videoId: string): Promise<boolean> {
    const rows = await this.db.select({ id: videos.id }).from(videos).where(eq(videos.id, videoId));
    return rows.length > 0;
  }

  async find(videoId: string): Promise<VideoWithJob | null> {
    const [row] = await this.db
      .select({ video: videos, job: videoJobs })
      .from(videos)
      .innerJoin(videoJobs, eq(videoJobs.videoId, videos.id))
      .where(eq(videos.id, videoId));
    return row ?? null;
  }

  async list(limit: number, after: VideoCursor | null): Promise<VideoPage> {
    const rows = await this.db
      .select({ video: videos, job: videoJobs })
      .from(videos)
      .innerJoin(videoJobs, eq(videoJobs.videoId, videos.id))
      .where(after ? sql`(${videos.createdAt}, ${videos.id}) < (${after.createdAt}, ${after.id})` : undefined)
      .orderBy(desc(videos.createdAt), desc(videos.id))
      .limit(limit + 1);
    return pageOf(rows, limit);
  }

  async delete(videoId: string, deletion: BlobDeletion): Promise<string[] | null> {
    return this.db.transaction(async (tx) => {
      const [video] = await tx
        .delete(videos)
        .where(eq(videos.id, videoId))
        .returning({ storageKey: videos.storageKey, annotatedStorageKey: videos.annotatedStorageKey });
      if (!video) return null;
      const keys = [video.storageKey, ...(video.annotatedStorageKey ? [video.annotatedStorageKey] : [])];
      for (const key of keys) {
        const record = deletionRecord(key, deletion);
        await tx
          .insert(pendingBlobs)
          .values(record)
          .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: record });
      }
      return keys;
    });
  }

  async isReferenced(storageKey: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: videos.id })
      .from(videos)
      .where(or(eq(videos.storageKey, storageKey), eq(videos.annotatedStorageKey, storageKey)));
    return rows.length > 0;
  }

  async setAnnotated(videoId: string, reservation: BlobReservation): Promise<'stored' | 'exists' | 'gone'> {
    return this.db.transaction(async (tx) => {
      const updated = await tx
        .update(videos)
        .set({ annotatedStorageKey: reservation.storageKey })
        .where(and(eq(videos.id, videoId), isNull(videos.annotatedStorageKey)))
        .returning({ id: videos.id });
      if (updated.length !== 1) {
        const [row] = await tx.select({ id: videos.id }).from(videos).where(eq(videos.id, videoId));
        return row ? 'exists' : 'gone';
      }
      await releaseUploadReservation(tx, reservation);
      return 'stored';
    });
  }

  async findJob(jobId: string): Promise<VideoJobRow | null> {
    const [row] = await this.db.select().from(videoJobs).where(eq(videoJobs.id, jobId));
    return row ?? null;
  }

  async claimNext(owner: string, now: number, leaseMs: number): Promise<VideoJobRow | null> {
    const next = this.db
      .select({ id: videoJobs.id })
      .from(videoJobs)
      .where(
        or(
          eq(videoJobs.state, 'queued'),
          and(eq(videoJobs.state, 'running'), lt(videoJobs.leaseExpiresAt, now)),
        ),
      )
      .orderBy(asc(videoJobs.createdAt))
      .limit(1)
      .for('update', { skipLocked: true });
    const [claimed] = await this.db
      .update(videoJobs)
      .set({
        state: 'running',
        leaseOwner: owner,
        leaseExpiresAt: now + leaseMs,
        attempts: sql`${videoJobs.attempts} + 1`,
        startedAt: sql`coalesce(${videoJobs.startedAt}, ${now})`,
        updatedAt: now,
      })
      // A scalar subquery runs once (an InitPlan). `id IN (…)` may be re-run for a row that another claim
      // locked meanwhile, and then hands that job out twice.
      .where(eq(videoJobs.id, sql`(${next})`))
      .returning();
    return claimed ?? null;
  }

  async renewLease(jobId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const rows = await this.db
      .update(videoJobs)
      .set({ leaseExpiresAt: now + leaseMs, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .returning({ id: videoJobs.id });
    return rows.length === 1;
  }

  async setFramesTotal(jobId: string, owner: string, framesTotal: number, now: number): Promise<boolean> {
    const rows = await this.db
      .update(videoJobs)
      .set({ framesTotal, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .returning({ id: videoJobs.id });
    return rows.length === 1;
  }

  async saveFrame(jobId: string, owner: string, frame: NewVideoFrame, now: number): Promise<FrameWrite> {
    try {
      return await this.db.transaction(async (tx) => {
        const inserted = await tx
          .insert(videoFrames)
          .values(frame)
          .onConflictDoNothing()
          .returning({ frameIndex: videoFrames.frameIndex });
        const held = await tx
          .update(videoJobs)
          .set({ framesDone: sql`${videoJobs.framesDone} + ${inserted.length}`, updatedAt: now })
          .where(this.heldBy(jobId, owner))
          .returning({ id: videoJobs.id });
        if (held.length !== 1) throw new LeaseLost();
        return inserted.length === 1 ? 'saved' : 'duplicate';
      });
    } catch (error) {
      if (error instanceof LeaseLost) return 'lease_lost';
      throw error;
    }
  }

  async frameIndexes(videoId: string): Promise<number[]> {
    const rows = await this.db
      .select({ frameIndex: videoFrames.frameIndex })
      .from(videoFrames)
      .where(eq(videoFrames.videoId, videoId))
      .orderBy(asc(videoFrames.frameIndex));
    return rows.map((row) => row.frameIndex);
  }

  async listFrames(
    videoId: string,
    range: { fromMs?: number | undefined; toMs?: number | undefined; limit: number },
  ): Promise<VideoFrameRow[]> {
    return this.db
      .select()
      .from(videoFrames)
      .where(
        and(
          eq(videoFrames.videoId, videoId),
          range.fromMs === undefined ? undefined : gte(videoFrames.timestampMs, range.fromMs),
          range.toMs === undefined ? undefined : lte(videoFrames.timestampMs, range.toMs),
        ),
      )
      .orderBy(asc(videoFrames.timestampMs), asc(videoFrames.frameIndex))
      .limit(range.limit);
  }

  async listTracks(videoId: string): Promise<VideoTrackRow[]> {
    return this.db
      .select()
      .from(videoTracks)
      .where(eq(videoTracks.videoId, videoId))
      .orderBy(asc(videoTracks.trackId));
  }

  async complete(jobId: string, owner: string, completion: JobCompletion, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const [job] = await tx
        .update(videoJobs)
        .set({
          state: 'completed',
          framesTotal: completion.framesTotal,
          leaseOwner: null,
          leaseExpiresAt: null,
          finishedAt: now,
          updatedAt: now,
        })
        .where(this.heldBy(jobId, owner))
        .returning({ videoId: videoJobs.videoId });
      if (!job) return false;
      for (const frame of completion.frames) {
        await tx
          .update(videoFrames)
          .set({ objects: frame.objects })
          .where(and(eq(videoFrames.videoId, job.videoId), eq(videoFrames.frameIndex, frame.frameIndex)));
      }
      await tx.delete(videoTracks).where(eq(videoTracks.videoId, job.videoId));
      for (let start = 0; start < completion.tracks.length; start += 200) {
        await tx.insert(videoTracks).values(completion.tracks.slice(start, start + 200));
      }
      return true;
    });
  }

  async release(jobId: string, owner: string, now: number): Promise<boolean> {
    const rows = await this.db
      .update(videoJobs)
      .set({ state: 'queued', leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .returning({ id: videoJobs.id });
    return rows.length === 1;
  }

  async fail(jobId: string, owner: string, error: string, now: number): Promise<boolean> {
    const rows = await this.db
      .update(videoJobs)
      .set({
        state: 'failed',
        error: error.slice(0, 2000),
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: now,
        updatedAt: now,
      })
      .where(this.heldBy(jobId, owner))
      .returning({ id: videoJobs.id });
    return rows.length === 1;
  }

  async cancel(jobId: string, now: number): Promise<VideoJobRow | null> {
    await this.db
      .update(videoJobs)
      .set({ state: 'cancelled', leaseOwner: null, leaseExpiresAt: null, finishedAt: now, updatedAt: now })
      .where(and(eq(videoJobs.id, jobId), inArray(videoJobs.state, ['queued', 'running'])));
    return this.findJob(jobId);
  }
}
