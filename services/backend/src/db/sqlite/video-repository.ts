import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { isUniqueViolation } from '../errors.js';
import type { BlobDeletion, BlobReservation } from '../image-repository.js';
import { deletionRecord } from '../pending-blob-repository.js';
import type { NewVideoJobRow, NewVideoRow, VideoFrameRow, VideoJobRow, VideoTrackRow } from '../records.js';
import { pendingBlobs, videoFrames, videoJobs, videos, videoTracks } from '../schema/sqlite.js';
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
import type { SqliteDatabase } from './connection.js';
import { releaseUploadReservation } from './pending-blob-repository.js';

/** SQLite: each change is one immediate transaction; the single writer makes a claim exclusive. */
export class SqliteVideoRepository implements VideoRepository {
  constructor(private readonly db: SqliteDatabase) {}

  private heldBy(jobId: string, owner: string) {
    return and(eq(videoJobs.id, jobId), eq(videoJobs.leaseOwner, owner), eq(videoJobs.state, 'running'));
  }

  async insertVideo(video: NewVideoRow, job: NewVideoJobRow, reservation: BlobReservation): Promise<void> {
    try {
      this.db.transaction(
        (tx) => {
          releaseUploadReservation(tx, reservation);
          tx.insert(videos).values(video).run();
          tx.insert(videoJobs).values(job).run();
        },
        { behavior: 'immediate' },
      );
    } catch (error) {
      if (isUniqueViolation(error) && (await this.exists(video.id))) throw new DuplicateVideoError(video.id);
      throw error;
    }
  }

  async exists(videoId: string): Promise<boolean> {
    return this.db.select({ id: videos.id }).from(videos).where(eq(videos.id, videoId)).get() !== undefined;
  }

  async find(videoId: string): Promise<VideoWithJob | null> {
    const row = this.db
      .select({ video: videos, job: videoJobs })
      .from(videos)
      .innerJoin(videoJobs, eq(videoJobs.videoId, videos.id))
      .where(eq(videos.id, videoId))
      .get();
    return row ?? null;
  }

  async list(limit: number, after: VideoCursor | null): Promise<VideoPage> {
    const rows = this.db
      .select({ video: videos, job: videoJobs })
      .from(videos)
      .innerJoin(videoJobs, eq(videoJobs.videoId, videos.id))
      .where(after ? sql`(${videos.createdAt}, ${videos.id}) < (${after.createdAt}, ${after.id})` : undefined)
      .orderBy(desc(videos.createdAt), desc(videos.id))
      .limit(limit + 1)
      .all();
    return pageOf(rows, limit);
  }

  async delete(videoId: string, deletion: BlobDeletion): Promise<string[] | null> {
    return this.db.transaction(
      (tx) => {
        const video = tx
          .delete(videos)
          .where(eq(videos.id, videoId))
          .returning({ storageKey: videos.storageKey, annotatedStorageKey: videos.annotatedStorageKey })
          .get();
        if (!video) return null;
        const keys = [video.storageKey, ...(video.annotatedStorageKey ? [video.annotatedStorageKey] : [])];
        for (const key of keys) {
          const record = deletionRecord(key, deletion);
          tx.insert(pendingBlobs)
            .values(record)
            .onConflictDoUpdate({ target: pendingBlobs.storageKey, set: record })
            .run();
        }
        return keys;
      },
      { behavior: 'immediate' },
    );
  }

  async isReferenced(storageKey: string): Promise<boolean> {
    return (
      this.db
        .select({ id: videos.id })
        .from(videos)
        .where(or(eq(videos.storageKey, storageKey), eq(videos.annotatedStorageKey, storageKey)))
        .get() !== undefined
    );
  }

  async setAnnotated(videoId: string, reservation: BlobReservation): Promise<'stored' | 'exists' | 'gone'> {
    return this.db.transaction(
      (tx) => {
        const updated = tx
          .update(videos)
          .set({ annotatedStorageKey: reservation.storageKey })
          .where(and(eq(videos.id, videoId), isNull(videos.annotatedStorageKey)))
          .run();
        if (updated.changes !== 1) {
          return tx.select({ id: videos.id }).from(videos).where(eq(videos.id, videoId)).get()
            ? 'exists'
            : 'gone';
        }
        releaseUploadReservation(tx, reservation);
        return 'stored';
      },
      { behavior: 'immediate' },
    );
  }

  async findJob(jobId: string): Promise<VideoJobRow | null> {
    return this.db.select().from(videoJobs).where(eq(videoJobs.id, jobId)).get() ?? null;
  }

  async claimNext(owner: string, now: number, leaseMs: number): Promise<VideoJobRow | null> {
    return this.db.transaction(
      (tx) => {
        const next = tx
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
          .get();
        if (!next) return null;
        return (
          tx
            .update(videoJobs)
            .set({
              state: 'running',
              leaseOwner: owner,
              leaseExpiresAt: now + leaseMs,
              attempts: sql`${videoJobs.attempts} + 1`,
              startedAt: sql`coalesce(${videoJobs.startedAt}, ${now})`,
              updatedAt: now,
            })
            .where(eq(videoJobs.id, next.id))
            .returning()
            .get() ?? null
        );
      },
      { behavior: 'immediate' },
    );
  }

  async renewLease(jobId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const result = this.db
      .update(videoJobs)
      .set({ leaseExpiresAt: now + leaseMs, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .run();
    return result.changes === 1;
  }

  async setFramesTotal(jobId: string, owner: string, framesTotal: number, now: number): Promise<boolean> {
    const result = this.db
      .update(videoJobs)
      .set({ framesTotal, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .run();
    return result.changes === 1;
  }

  async saveFrame(jobId: string, owner: string, frame: NewVideoFrame, now: number): Promise<FrameWrite> {
    return this.db.transaction(
      (tx) => {
        const inserted = tx.insert(videoFrames).values(frame).onConflictDoNothing().run().changes;
        const held = tx
          .update(videoJobs)
          .set({ framesDone: sql`${videoJobs.framesDone} + ${inserted}`, updatedAt: now })
          .where(this.heldBy(jobId, owner))
          .run();
        if (held.changes !== 1) {
          // Nothing of a worker that lost its job is kept: its frame insert is undone.
          if (inserted === 1) {
            tx.delete(videoFrames)
              .where(
                and(eq(videoFrames.videoId, frame.videoId), eq(videoFrames.frameIndex, frame.frameIndex)),
              )
              .run();
          }
          return 'lease_lost';
        }
        return inserted === 1 ? 'saved' : 'duplicate';
      },
      { behavior: 'immediate' },
    );
  }

  async frameIndexes(videoId: string): Promise<number[]> {
    return this.db
      .select({ frameIndex: videoFrames.frameIndex })
      .from(videoFrames)
      .where(eq(videoFrames.videoId, videoId))
      .orderBy(asc(videoFrames.frameIndex))
      .all()
      .map((row) => row.frameIndex);
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
      .limit(range.limit)
      .all();
  }

  async listTracks(videoId: string): Promise<VideoTrackRow[]> {
    return this.db
      .select()
      .from(videoTracks)
      .where(eq(videoTracks.videoId, videoId))
      .orderBy(asc(videoTracks.trackId))
      .all();
  }

  async complete(jobId: string, owner: string, completion: JobCompletion, now: number): Promise<boolean> {
    return this.db.transaction(
      (tx) => {
        const job = tx
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
          .returning({ videoId: videoJobs.videoId })
          .get();
        if (!job) return false;
        for (const frame of completion.frames) {
          tx.update(videoFrames)
            .set({ objects: frame.objects })
            .where(and(eq(videoFrames.videoId, job.videoId), eq(videoFrames.frameIndex, frame.frameIndex)))
            .run();
        }
        tx.delete(videoTracks).where(eq(videoTracks.videoId, job.videoId)).run();
        for (let start = 0; start < completion.tracks.length; start += 200) {
          tx.insert(videoTracks)
            .values(completion.tracks.slice(start, start + 200))
            .run();
        }
        return true;
      },
      { behavior: 'immediate' },
    );
  }

  async release(jobId: string, owner: string, now: number): Promise<boolean> {
    const result = this.db
      .update(videoJobs)
      .set({ state: 'queued', leaseOwner: null, leaseExpiresAt: null, updatedAt: now })
      .where(this.heldBy(jobId, owner))
      .run();
    return result.changes === 1;
  }

  async fail(jobId: string, owner: string, error: string, now: number): Promise<boolean> {
    const result = this.db
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
      .run();
    return result.changes === 1;
  }

  async cancel(jobId: string, now: number): Promise<VideoJobRow | null> {
    this.db
      .update(videoJobs)
      .set({ state: 'cancelled', leaseOwner: null, leaseExpiresAt: null, finishedAt: now, updatedAt: now })
      .where(and(eq(videoJobs.id, jobId), inArray(videoJobs.state, ['queued', 'running'])))
      .run();
    return this.findJob(jobId);
  }
}
