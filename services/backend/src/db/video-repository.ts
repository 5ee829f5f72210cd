import type { BlobDeletion, BlobReservation } from './image-repository.js';
import type {
  NewVideoJobRow,
  NewVideoRow,
  VideoFrameRow,
  VideoJobRow,
  VideoRow,
  VideoTrackRow,
} from './records.js';

export interface VideoWithJob {
  video: VideoRow;
  job: VideoJobRow;
}

/** A position in the newest-first order of `GET /videos`. */
export interface VideoCursor {
  createdAt: number;
  id: string;
}

export interface VideoPage {
  items: VideoWithJob[];
  next: VideoCursor | null;
}

/** A sampled frame's result as a worker writes it. */
export interface NewVideoFrame {
  videoId: string;
  frameIndex: number;
  timestampMs: number;
  /** JSON array of the frame's detections. */
  objects: string;
}

/** What writing a frame did: stored it, found it already stored (a resumed job), or lost the job's lease. */
export type FrameWrite = 'saved' | 'duplicate' | 'lease_lost';

/** A completed job's result: the final frame count, each frame's objects with their track ids, and the tracks. */
export interface JobCompletion {
  framesTotal: number;
  frames: Array<{ frameIndex: number; objects: string }>;
  tracks: VideoTrackRow[];
}

export class DuplicateVideoError extends Error {
  constructor(readonly videoId: string) {
    super(`video ${videoId} already exists`);
  }
}

/**
 * Videos, their detection jobs (the durable queue), sampled frames and tracks, the same for SQLite and PostgreSQL
 * (one test suite runs against both). A worker's writes name the job and the worker (`owner`): they take effect
 * only while that worker holds the job's lease and the job is `running`, so a worker that lost its lease (it
 * stalled past the expiry and another took over) or whose job was cancelled changes nothing.
 */
export interface VideoRepository {
  /**
   * Inserts the video and its queued job and removes the upload's pending-blob row, all or nothing. Throws
   * `DuplicateVideoError` when the video exists and `ReservationLostError` when the reservation is gone.
   */
  insertVideo(video: NewVideoRow, job: NewVideoJobRow, reservation: BlobReservation): Promise<void>;
  exists(videoId: string): Promise<boolean>;
  find(videoId: string): Promise<VideoWithJob | null>;
  /** Newest first. */
  list(limit: number, after: VideoCursor | null): Promise<VideoPage>;
  /**
   * Deletes the video with its job, frames and tracks and records its blobs (the upload, and the annotated MP4 if
   * any) as pending deletion, in one transaction. Returns their storage keys, or null when there was no such video.
   */
  delete(videoId: string, deletion: BlobDeletion): Promise<string[] | null>;
  /** Whether a video row points at this blob (as its upload or its annotated MP4). */
  isReferenced(storageKey: string): Promise<boolean>;
  /**
   * Makes the reserved blob the video's annotated MP4 and removes its pending-blob row, in one transaction:
   * `stored`; `exists` when another request stored one first, `gone` when the video was deleted (the caller then
   * discards its blob). Throws `ReservationLostError` when the reservation is gone.
   */
  setAnnotated(videoId: string, reservation: BlobReservation): Promise<'stored' | 'exists' | 'gone'>;

  findJob(jobId: string): Promise<VideoJobRow | null>;
  /**
   * Claims the oldest job that is queued, or running with a lease expired before `now`: it becomes `running`
   * under `owner` until `now + leaseMs`, with one more attempt. Null when there is none. Two workers never claim
   * the same job.
   */
  claimNext(owner: string, now: number, leaseMs: number): Promise<VideoJobRow | null>;
  /** Extends the lease; false when the job is no longer this worker's (lease lost, cancelled, deleted). */
  renewLease(jobId: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Records how many frames the sampling will give (known once the video is read); false when the lease is lost. */
  setFramesTotal(jobId: string, owner: string, framesTotal: number, now: number): Promise<boolean>;
  /** Writes one frame's result; a frame already stored stays as it is and is not counted again. */
  saveFrame(jobId: string, owner: string, frame: NewVideoFrame, now: number): Promise<FrameWrite>;
  /** Indexes of the frames already stored for the video (what a resumed job skips). */
  frameIndexes(videoId: string): Promise<number[]>;
  /** Every stored frame of the video in order, or those with `fromMs ≤ timestamp ≤ toMs`, at most `limit`. */
  listFrames(
    videoId: string,
    range: { fromMs?: number | undefined; toMs?: number | undefined; limit: number },
  ): Promise<VideoFrameRow[]>;
  listTracks(videoId: string): Promise<VideoTrackRow[]>;
  /** Writes the track ids and tracks and marks the job completed; false when the lease is lost. */
  complete(jobId: string, owner: string, completion: JobCompletion, now: number): Promise<boolean>;
  /** Gives a running job back to the queue (a worker shutting down): queued again, lease cleared. */
  release(jobId: string, owner: string, now: number): Promise<boolean>;
  /** Marks the job failed with a reason; false when the lease is lost. */
  fail(jobId: string, owner: string, error: string, now: number): Promise<boolean>;
  /**
   * Cancels a queued or running job (a running job's worker notices at its next write and stops). Returns the job
   * afterwards (unchanged if it had already finished), or null when there is no such job.
   */
  cancel(jobId: string, now: number): Promise<VideoJobRow | null>;
}

/** The page of `limit` items out of `limit + 1` rows read, and the cursor after it when there are more. */
export function pageOf(rows: VideoWithJob[], limit: number): VideoPage {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > limit && last ? { createdAt: last.video.createdAt, id: last.video.id } : null,
  };
}
