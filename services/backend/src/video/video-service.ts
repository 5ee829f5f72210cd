import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { type BlobReservation, ReservationLostError } from '../db/image-repository.js';
import type { PendingBlobRepository } from '../db/pending-blob-repository.js';
import type { VideoJobRow, VideoRow } from '../db/records.js';
import { DuplicateVideoError, type VideoRepository, type VideoWithJob } from '../db/video-repository.js';
import { ApiError } from '../errors.js';
import { BlobDisposal } from '../images/blob-disposal.js';
import type { BlobStorage } from '../storage/storage.js';
import { newAnnotatedVideoStorageKey, newVideoStorageKey } from '../storage/video-keys.js';
import { renderAnnotatedVideo } from './annotate-video.js';
import type { FfmpegBinaries } from './ffmpeg-binaries.js';
import type { FrameObject } from './frame-objects.js';
import { expectedFrameCount, type Sampling } from './frame-sampler.js';
import { type ProbedVideo, probeVideo, type VideoLimits } from './video-probe.js';

export interface VideoInput {
  bytes: Uint8Array;
  filename: string | null;
  sourceUrl?: string | undefined;
}

export interface VideoJobOptions {
  model?: string | undefined;
  scoreThreshold?: number | undefined;
  fps?: number | undefined;
  everyNthFrame?: number | undefined;
}

export interface VideoServiceDependencies {
  videos: VideoRepository;
  pendingBlobs: PendingBlobRepository;
  storage: BlobStorage;
  binaries: FfmpegBinaries;
  logger: Logger;
  defaultModel: string;
  /** Frames sampled per second when a request names neither `fps` nor `every_nth_frame`. */
  defaultSampleFps: number;
  limits: VideoLimits;
  probeTimeoutMs: number;
  tempDir: string;
  replicaId: string;
  uploadGracePeriodMs: number;
  /** Called after a job is enqueued (wakes this process's idle workers). */
  onEnqueued: () => void;
  /** The longer side of the annotated MP4. */
  annotatedMaxSide: number;
  stallTimeoutMs: number;
}

/** The MIME type a container is served with. */
export function videoContentType(container: string): string {
  if (container.startsWith('mov,mp4')) return 'video/mp4';
  if (container.startsWith('matroska,webm')) return 'video/webm';
  if (container === 'avi') return 'video/x-msvideo';
  if (container === 'mpegts') return 'video/mp2t';
  return 'application/octet-stream';
}

/**
 * The video upload: validate with ffprobe (refusing with a 4xx and nothing stored), then the same pending-blob
 * pattern as images: the blob's key is recorded in `pending_blobs` before it is written, and the video row, its
 * queued job and the removal of that record are one transaction; any failure deletes the blob again, a crash leaves
 * it to the sweeper.
 */
export class VideoService {
  /** Annotated videos being drawn in this process: a second request for one waits for the first. */
  private readonly drawing = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

  private readonly blobs: BlobDisposal;

  constructor(private readonly deps: VideoServiceDependencies) {
    this.blobs = new BlobDisposal(deps);
  }

  async upload(input: VideoInput, options: VideoJobOptions): Promise<VideoWithJob> {
    if (input.bytes.byteLength === 0) throw new ApiError(400, 'the video is empty (0 bytes)');
    const videoId = createHash('sha256').update(input.bytes).digest('hex');
    if (await this.deps.videos.exists(videoId)) throw duplicate(videoId);
    const probed = await this.probe(input.bytes);
    const sampling = this.sampling(options, probed);

    const createdAt = Date.now();
    const reservation: BlobReservation = { storageKey: newVideoStorageKey(videoId), token: randomUUID() };
    const video: VideoRow = {
      id: videoId,
      filename: input.filename ?? 'upload.mp4',
      sizeBytes: input.bytes.byteLength,
      storageKey: reservation.storageKey,
      annotatedStorageKey: null,
      sourceUrl: input.sourceUrl ?? null,
      container: probed.container,
      codec: probed.codec,
      width: probed.width,
      height: probed.height,
      fps: probed.fps,
      durationSeconds: probed.durationSeconds,
      frameCount: probed.frameCount,
      createdAt,
    };
    const job: VideoJobRow = {
      id: randomUUID(),
      videoId,
      state: 'queued',
      model: options.model ?? this.deps.defaultModel,
      scoreThreshold: options.scoreThreshold ?? null,
      sampleFps: 'fps' in sampling ? sampling.fps : null,
      everyNthFrame: 'everyNthFrame' in sampling ? sampling.everyNthFrame : null,
      framesTotal: expectedFrameCount(sampling, probed.durationSeconds, probed.frameCount),
      framesDone: 0,
      attempts: 0,
      leaseOwner: null,
      leaseExpiresAt: null,
      error: null,
      createdAt,
      startedAt: null,
      finishedAt: null,
      updatedAt: createdAt,
    };

    await this.blobs.reserve(reservation, createdAt);
    try {
      await this.deps.storage.put(reservation.storageKey, input.bytes, videoContentType(probed.container));
    } catch (error) {
      await this.blobs.discard(reservation.storageKey);
      throw new ApiError(
        503,
        `video storage (${this.deps.storage.kind}) is unavailable; nothing was stored`,
        {},
        { cause: error },
      );
    }
    try {
      await this.deps.videos.insertVideo(video, job, reservation);
    } catch (error) {
      await this.blobs.discard(reservation.storageKey);
      if (error instanceof DuplicateVideoError) throw duplicate(error.videoId);
      if (error instanceof ReservationLostError) {
        throw new ApiError(
          503,
          'the upload took longer than UPLOAD_GRACE_PERIOD_MS and was abandoned; nothing was stored',
        );
      }
      throw error;
    }
    this.deps.logger.info({ video_id: videoId, job_id: job.id, frames: job.framesTotal }, 'video job queued');
    this.deps.onEnqueued();
    return { video, job };
  }

  /** The stored bytes of a video; a row whose blob is gone is a server-side fault. */
  async readBlob(video: VideoRow): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await this.deps.storage.get(video.storageKey);
    if (bytes) return bytes;
    if (!(await this.deps.videos.exists(video.id))) throw new ApiError(404, `video ${video.id} was deleted`);
    throw new ApiError(500, `the stored file of video ${video.id} is missing`);
  }

  /**
   * The annotated MP4 of a video whose job completed: drawn once, stored (pending-blob pattern: a key recorded
   * first, committed on the row with the record's removal), then read from storage. 409 before the job completed.
   */
  async annotated(videoId: string): Promise<{ video: VideoRow; bytes: Uint8Array<ArrayBuffer> }> {
    const found = await this.deps.videos.find(videoId);
    if (!found) throw new ApiError(404, `video ${videoId} not found`);
    const { video, job } = found;
    if (job.state !== 'completed') {
      throw new ApiError(
        409,
        `the video's job has not completed (it is ${job.state}); the annotated video is drawn from its results`,
      );
    }
    if (video.annotatedStorageKey) {
      const stored = await this.deps.storage.get(video.annotatedStorageKey);
      if (stored) return { video, bytes: stored };
    }
    let drawing = this.drawing.get(videoId);
    if (!drawing) {
      drawing = this.drawAndStore(video).finally(() => this.drawing.delete(videoId));
      this.drawing.set(videoId, drawing);
    }
    return { video, bytes: await drawing };
  }

  private async drawAndStore(video: VideoRow): Promise<Uint8Array<ArrayBuffer>> {
    const input = path.join(this.deps.tempDir, `annotate-in-${randomUUID()}`);
    const output = path.join(this.deps.tempDir, `annotate-out-${randomUUID()}.mp4`);
    try {
      await fs.writeFile(input, await this.readBlob(video));
      const rows = await this.deps.videos.listFrames(video.id, { limit: 1_000_000 });
      await renderAnnotatedVideo({
        ffmpeg: this.deps.binaries.ffmpeg,
        input,
        output,
        width: video.width,
        height: video.height,
        fps: video.fps,
        frames: rows.map((row) => ({
          timestampMs: row.timestampMs,
          objects: JSON.parse(row.objects) as FrameObject[],
        })),
        maxSide: this.deps.annotatedMaxSide,
        stallTimeoutMs: this.deps.stallTimeoutMs,
      });
      const bytes = new Uint8Array(await fs.readFile(output));
      const now = Date.now();
      const reservation: BlobReservation = {
        storageKey: newAnnotatedVideoStorageKey(video.id),
        token: randomUUID(),
      };
      await this.blobs.reserve(reservation, now);
      try {
        await this.deps.storage.put(reservation.storageKey, bytes, 'video/mp4');
        const outcome = await this.deps.videos.setAnnotated(video.id, reservation);
        if (outcome === 'gone') throw new ApiError(404, `video ${video.id} was deleted`);
        // Another replica stored its drawing first: the same picture, so this one is served and then dropped.
        if (outcome === 'exists') await this.blobs.discard(reservation.storageKey);
      } catch (error) {
        if (!(await this.deps.videos.isReferenced(reservation.storageKey)))
          await this.blobs.discard(reservation.storageKey);
        throw error;
      }
      return bytes;
    } finally {
      await Promise.all([fs.rm(input, { force: true }), fs.rm(output, { force: true })]);
    }
  }

  /** Deletes the rows (a running job's worker stops at its next write) and then the blob. */
  async delete(videoId: string): Promise<void> {
    const token = randomUUID();
    const storageKeys = await this.deps.videos.delete(videoId, {
      owner: this.deps.replicaId,
      token,
      now: Date.now(),
    });
    if (storageKeys === null) throw new ApiError(404, `video ${videoId} not found`);
    for (const storageKey of storageKeys) await this.blobs.remove(storageKey, token);
  }

  private async probe(bytes: Uint8Array): Promise<ProbedVideo> {
    const file = path.join(this.deps.tempDir, `upload-${randomUUID()}`);
    await fs.writeFile(file, bytes);
    try {
      return await probeVideo(this.deps.binaries, file, this.deps.limits, this.deps.probeTimeoutMs);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private sampling(options: VideoJobOptions, probed: ProbedVideo): Sampling {
    if (options.fps !== undefined && options.everyNthFrame !== undefined) {
      throw new ApiError(400, 'give either fps or every_nth_frame, not both');
    }
    if (options.everyNthFrame !== undefined) return { everyNthFrame: options.everyNthFrame };
    const fps = options.fps ?? Math.min(this.deps.defaultSampleFps, probed.fps);
    if (fps > probed.fps + 1e-6) {
      throw new ApiError(
        400,
        `fps ${fps} is more than the video's own frame rate (${Math.round(probed.fps * 1000) / 1000}); sample at most every frame`,
      );
    }
    return { fps };
  }
}

function duplicate(videoId: string): ApiError {
  return new ApiError(409, `this video was already uploaded as ${videoId}`, { video_id: videoId });
}
