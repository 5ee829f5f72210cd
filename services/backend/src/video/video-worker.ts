import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { VideoJobRow, VideoRow } from '../db/records.js';
import type { VideoRepository } from '../db/video-repository.js';
import { type ModelClient, ModelServerError } from '../inference/model-client.js';
import type { ModelRoute, RouteModel } from '../inference/model-route.js';
import type { Metrics } from '../metrics.js';
import type { BlobStorage } from '../storage/storage.js';
import type { FfmpegBinaries } from './ffmpeg-binaries.js';
import { type FrameObject, toFrameObjects } from './frame-objects.js';
import { FfmpegError, type SampledFrame, type Sampling, sampleFrames } from './frame-sampler.js';
import { defaultTrackerOptions, type TrackerOptions, trackObjects } from './tracker.js';

export interface VideoWorkerOptions {
  videos: VideoRepository;
  storage: BlobStorage;
  modelClient: ModelClient;
  /**
   * The deployment a job's model is served by (version and endpoint), picked once per job so that every frame of a
   * video, and so every track, comes from one version during a canary.
   */
  route?: RouteModel;
  binaries: FfmpegBinaries;
  logger: Logger;
  /** Names this worker in the job's lease (`<replica>/video-worker-<n>`). */
  owner: string;
  /** How long a claimed job is this worker's without renewal; renewed every third of it. */
  leaseMs: number;
  /** Pause between looks at the queue when it is empty (a job enqueued here wakes the worker at once). */
  pollIntervalMs: number;
  /** Frames of one job at the model server at once. */
  frameConcurrency: number;
  /** ffmpeg is killed when it produces no frame for this long. */
  stallTimeoutMs: number;
  /** A job claimed more often than this (its workers kept dying) fails instead of being tried again. */
  maxAttempts: number;
  /** Where the video is copied from storage for ffmpeg to read. */
  tempDir: string;
  tracker?: TrackerOptions;
  /** Counts finished jobs and detected frames (`/metrics`). */
  metrics?: Metrics;
  /** Extra ffmpeg input arguments (tests slow ffmpeg down with `-re`). */
  ffmpegInputArgs?: string[];
}

/** Why a job stopped before its end without failing: this worker lost it, or the process is stopping. */
class JobInterrupted extends Error {}

/** Plain words for a failed frame detection. */
function describeModelFailure(error: ModelServerError, model: string): string {
  if (error.failure === 'rejected' && error.upstreamStatus === 404) {
    return `model "${model}" is not available on the model server`;
  }
  return `the model server failed a frame: ${error.message}`;
}

/**
 * One worker: takes jobs from the durable queue one at a time, samples the video's frames with ffmpeg, sends them to
 * the model server (`frameConcurrency` at once; ffmpeg is not read further while all slots are busy), writes each
 * frame's objects as it comes back, then runs the tracker over all frames and completes the job. A resumed job
 * skips the frames already stored. A failure of this job (ffmpeg, the model server, a missing blob) fails the job
 * with its reason and the worker goes on with the next.
 */
export class VideoWorker {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly stopController = new AbortController();

  constructor(private readonly options: VideoWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = this.loop();
  }

  /** Looks at the queue now instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops after giving the current job back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let worked = false;
      try {
        worked = await this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: error, worker: this.options.owner }, 'video worker pass failed');
      }
      if (!worked && !this.stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollIntervalMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  /** Claims and works one job; false when the queue had none. */
  async runOnce(): Promise<boolean> {
    const { videos, owner, leaseMs } = this.options;
    const job = await videos.claimNext(owner, Date.now(), leaseMs);
    if (!job) return false;
    const log = this.options.logger.child({
      job_id: job.id,
      video_id: job.videoId,
      worker: owner,
      attempt: job.attempts,
    });
    if (job.attempts > this.options.maxAttempts) {
      await videos.fail(
        job.id,
        owner,
        `gave up after ${job.attempts - 1} attempts: the worker processing this video stopped each time`,
        Date.now(),
      );
      log.warn('video job failed: too many attempts');
      return true;
    }
    const found = await videos.find(job.videoId);
    if (!found) return true;
    log.info('video job started');
    try {
      const framesTotal = await this.process(job, found.video);
      this.options.metrics?.videoJobsFinished.inc({ state: 'completed' });
      log.info({ frames: framesTotal }, 'video job completed');
    } catch (error) {
      if (error instanceof JobInterrupted) {
        if (this.stopping) await videos.release(job.id, owner, Date.now()).catch(() => false);
        log.info({ reason: error.message }, 'video job interrupted');
        return true;
      }
      const reason =
        error instanceof ModelServerError
          ? describeModelFailure(error, job.model)
          : error instanceof FfmpegError
            ? error.message
            : `the job failed: ${(error as Error).message}`;
      const recorded = await videos.fail(job.id, owner, reason, Date.now()).catch(() => false);
      if (recorded) this.options.metrics?.videoJobsFinished.inc({ state: 'failed' });
      log.warn({ err: error, recorded }, 'video job failed');
    }
    return true;
  }

  /** Works the job to completion; returns the number of sampled frames. */
  private async process(job: VideoJobRow, video: VideoRow): Promise<number> {
    const { videos, owner, leaseMs } = this.options;
    const lost = new AbortController();
    const signal = AbortSignal.any([lost.signal, this.stopController.signal]);
    const renewal = setInterval(
      () => {
        videos.renewLease(job.id, owner, Date.now(), leaseMs).then(
          (held) => {
            if (!held) lost.abort();
          },
          (error: unknown) =>
            this.options.logger.warn({ err: error, job_id: job.id }, 'lease renewal failed'),
        );
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    const file = path.join(this.options.tempDir, `video-${job.id}-${randomUUID()}`);
    try {
      const bytes = await this.options.storage.get(video.storageKey);
      if (!bytes) throw new Error(`the stored file of video ${video.id} is missing`);
      await fs.writeFile(file, bytes);
      const sampling: Sampling =
        job.everyNthFrame !== null ? { everyNthFrame: job.everyNthFrame } : { fps: job.sampleFps ?? 2 };
      const done = new Set(await videos.frameIndexes(video.id));
      const route = await this.options.route?.(job.model, job.id);
      const framesTotal = await this.detectFrames(job, video, file, sampling, done, route, signal);
      if (signal.aborted)
        throw new JobInterrupted(lost.signal.aborted ? 'lease lost or job cancelled' : 'worker stopping');
      await this.completeWithTracks(job, video, framesTotal);
      return framesTotal;
    } finally {
      clearInterval(renewal);
      await fs.rm(file, { force: true });
    }
  }

  private async detectFrames(
    job: VideoJobRow,
    video: VideoRow,
    file: string,
    sampling: Sampling,
    done: Set<number>,
    route: ModelRoute | undefined,
    signal: AbortSignal,
  ): Promise<number> {
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let sampled = 0;
    const frames = sampleFrames({
      ffmpeg: this.options.binaries.ffmpeg,
      file,
      sampling,
      sourceFps: video.fps,
      stallTimeoutMs: this.options.stallTimeoutMs,
      ...(this.options.ffmpegInputArgs ? { inputArgs: this.options.ffmpegInputArgs } : {}),
    });
    try {
      for await (const frame of frames) {
        sampled = frame.index + 1;
        if (done.has(frame.index)) continue;
        while (inFlight.size >= this.options.frameConcurrency) await Promise.race(inFlight);
        if (failure !== undefined || signal.aborted) break;
        const task = this.detectFrame(job, video, frame, route, signal).catch((error: unknown) => {
          failure ??= error;
        });
        const tracked = task.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      }
    } catch (error) {
      failure ??= error;
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    if (!signal.aborted) {
      await this.options.videos.setFramesTotal(job.id, this.options.owner, sampled, Date.now());
    }
    return sampled;
  }

  /** Detects one frame and stores it; an overloaded model server is waited for (its Retry-After) and asked again. */
  private async detectFrame(
    job: VideoJobRow,
    video: VideoRow,
    frame: SampledFrame,
    route: ModelRoute | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    for (;;) {
      if (signal.aborted) throw new JobInterrupted('stopped');
      try {
        const result = await this.options.modelClient.detect(frame.jpeg, {
          model: job.model,
          ...route,
          scoreThreshold: job.scoreThreshold ?? undefined,
          requestId: `${job.id}/${frame.index}`,
        });
        const objects = toFrameObjects(result.detections, video);
        const write = await this.options.videos.saveFrame(
          job.id,
          this.options.owner,
          {
            videoId: video.id,
            frameIndex: frame.index,
            timestampMs: frame.timestampMs,
            objects: JSON.stringify(objects),
          },
          Date.now(),
        );
        if (write === 'lease_lost') throw new JobInterrupted('lease lost or job cancelled');
        if (write === 'saved') this.options.metrics?.videoFrames.inc({ model: job.model });
        return;
      } catch (error) {
        if (!(error instanceof ModelServerError) || error.failure !== 'overloaded') throw error;
        await sleep((error.retryAfterSeconds ?? 1) * 1000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async completeWithTracks(job: VideoJobRow, video: VideoRow, framesTotal: number): Promise<void> {
    const rows = await this.options.videos.listFrames(video.id, { limit: framesTotal + 1 });
    const frames = rows.map((row) => ({ row, objects: JSON.parse(row.objects) as FrameObject[] }));
    const { assignments, tracks } = trackObjects(
      frames.map(({ row, objects }) => ({
        frameIndex: row.frameIndex,
        timestampMs: row.timestampMs,
        detections: objects.map((object) => ({
          bbox: object.bbox,
          label: object.label,
          score: object.score,
        })),
      })),
      this.options.tracker ?? defaultTrackerOptions,
    );
    const completed = await this.options.videos.complete(
      job.id,
      this.options.owner,
      {
        framesTotal,
        frames: frames.map(({ row, objects }, i) => ({
          frameIndex: row.frameIndex,
          objects: JSON.stringify(
            objects.map((object, j) => ({ ...object, track_id: assignments[i]![j] ?? null })),
          ),
        })),
        tracks: tracks.map((track) => ({
          videoId: video.id,
          trackId: track.trackId,
          label: track.label,
          firstMs: track.firstMs,
          lastMs: track.lastMs,
          framesSeen: track.framesSeen,
          bestScore: track.bestScore,
          path: JSON.stringify(track.path),
        })),
      },
      Date.now(),
    );
    if (!completed) throw new JobInterrupted('lease lost or job cancelled before completion');
  }
}
