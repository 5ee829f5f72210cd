import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, openTestDatabase } from '../../test/support/database.js';
import { type ChildServer, closedPort, startModelServer } from '../../test/support/processes.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { enqueueVideo } from '../../test/support/video-jobs.js';
import { panOverPhoto } from '../../test/support/videos.js';
import type { Database } from '../db/database.js';
import { type ModelClient, ModelServerError } from '../inference/model-client.js';
import { RestModelClient } from '../inference/rest-model-client.js';
import { FsBlobStorage } from '../storage/fs-storage.js';
import { ffmpegBinaries } from './ffmpeg-binaries.js';
import type { FrameObject } from './frame-objects.js';
import { VideoWorker, type VideoWorkerOptions } from './video-worker.js';

describe.each(dialects)('VideoWorker against the real model server on %s', (dialect) => {
  let modelServer: ChildServer;
  let dir: string;
  let database: Database;
  let storage: FsBlobStorage;
  let modelClient: RestModelClient;
  let pan: string;

  beforeAll(async () => {
    dir = await makeTempDir(`video-worker-${dialect}-`);
    [modelServer, database] = await Promise.all([
      startModelServer(await closedPort()),
      openTestDatabase(dialect, dir),
    ]);
    storage = new FsBlobStorage(path.join(dir, 'blobs'));
    modelClient = new RestModelClient({
      baseUrl: modelServer.url,
      requestTimeoutMs: 30_000,
      retryDeadlineMs: 10_000,
    });
    pan = await panOverPhoto(dir, 'pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 4,
      fps: 10,
      width: 432,
      height: 600,
    });
  });
  afterAll(async () => {
    modelClient?.close();
    await database?.close();
    await modelServer?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const worker = (owner: string, overrides: Partial<VideoWorkerOptions> = {}) =>
    new VideoWorker({
      videos: database.videos,
      storage,
      modelClient,
      binaries: ffmpegBinaries(),
      logger: pino({ level: 'silent' }),
      owner,
      leaseMs: 30_000,
      pollIntervalMs: 50,
      frameConcurrency: 3,
      stallTimeoutMs: 20_000,
      maxAttempts: 3,
      tempDir: dir,
      ...overrides,
    });

  const framesOf = async (videoId: string) =>
    (await database.videos.listFrames(videoId, { limit: 1000 })).map((row) => ({
      ...row,
      objects: JSON.parse(row.objects) as FrameObject[],
    }));

  it('Should detect every sampled frame once and track the rider across the pan with one track id', async () => {
    const { videoId, jobId } = await enqueueVideo(database, storage, pan, { fps: 2 });
    expect(await worker('worker-a').runOnce()).toBe(true);
    const job = await database.videos.findJob(jobId);
    expect(job, JSON.stringify(job)).toMatchObject({
      state: 'completed',
      framesDone: 8,
      framesTotal: 8,
      error: null,
    });
    const frames = await framesOf(videoId);
    expect(frames.map((frame) => frame.frameIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(frames.map((frame) => frame.timestampMs)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500]);
    const tracks = await database.videos.listTracks(videoId);
    // The rider (the photo's person, which centernet finds in every frame) is one track seen in all 8 frames.
    const people = tracks.filter((track) => track.label === 'person' && track.framesSeen === 8);
    expect(people, JSON.stringify(tracks)).toHaveLength(1);
    for (const track of people) {
      expect(track).toMatchObject({ firstMs: 0, lastMs: 3500 });
      expect(track.bestScore).toBeGreaterThan(0.5);
      const seen = frames.map(
        (frame) => frame.objects.filter((object) => object.track_id === track.trackId).length,
      );
      expect(seen).toEqual(Array(8).fill(1));
      // Panning right moves the rider left in the frame.
      const lefts = (JSON.parse(track.path) as Array<{ bbox: number[] }>).map((point) => point.bbox[0]!);
      expect(lefts[0]! - lefts.at(-1)!).toBeGreaterThan(40);
    }
  });

  it('Should resume a job whose worker died: the stored frames are kept, the rest are added, each exactly once', async () => {
    const other = await panOverPhoto(dir, 'pan-resume.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      fps: 10,
      pixelsPerSecond: 25,
    });
    const { videoId, jobId } = await enqueueVideo(database, storage, other, { everyNthFrame: 5 });
    // A worker claims the job with a short lease, stores frames 0 and 3, and dies.
    const dead = await database.videos.claimNext('dead-worker', Date.now(), 200);
    expect(dead?.id).toBe(jobId);
    const marker = (index: number) => ({
      videoId,
      frameIndex: index,
      timestampMs: index * 500,
      objects: '[]',
    });
    expect(await database.videos.saveFrame(jobId, 'dead-worker', marker(0), Date.now())).toBe('saved');
    expect(await database.videos.saveFrame(jobId, 'dead-worker', marker(3), Date.now())).toBe('saved');
    // Nothing is claimable until its lease expires.
    const successor = worker('worker-b');
    while ((await database.videos.findJob(jobId))!.leaseExpiresAt! >= Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await successor.runOnce()).toBe(true);
    const job = await database.videos.findJob(jobId);
    expect(job).toMatchObject({
      state: 'completed',
      attempts: 2,
      framesDone: 6,
      framesTotal: 6,
      leaseOwner: null,
    });
    const frames = await framesOf(videoId);
    expect(frames.map((frame) => frame.frameIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(frames[0]!.objects).toEqual([]);
    expect(frames[3]!.objects).toEqual([]);
    expect(frames[1]!.objects.length).toBeGreaterThan(0);
  });

  it('Should fail a job whose ffmpeg hangs or whose stream is corrupt with the reason, and go on with the next job', async () => {
    const slow = await enqueueVideo(
      database,
      storage,
      await panOverPhoto(dir, 'hangs.mp4', {
        photo: '000000000086.jpg',
        seconds: 6,
        fps: 10,
        pixelsPerSecond: 10,
      }),
      { fps: 0.25 },
    );
    // `-re` makes ffmpeg read at the video's own pace: with one frame per 4 s, nothing comes out for longer than
    // the stall timeout, as with a decoder that hangs.
    const hanging = worker('worker-hang', { ffmpegInputArgs: ['-re'], stallTimeoutMs: 300 });
    expect(await hanging.runOnce()).toBe(true);
    const failed = await database.videos.findJob(slow.jobId);
    expect(failed?.state).toBe('failed');
    expect(failed?.error).toMatch(
      /^ffmpeg stopped producing frames for 300 ms after frame \d+ and was killed$/,
    );

    const whole = await panOverPhoto(dir, 'faststart.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      pixelsPerSecond: 15,
      codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart'],
    });
    const bytes = await fs.readFile(whole);
    const corruptFile = path.join(dir, 'corrupt.mp4');
    await fs.writeFile(corruptFile, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const corrupt = await enqueueVideo(database, storage, corruptFile, { fps: 5 });
    const next = await enqueueVideo(
      database,
      storage,
      await panOverPhoto(dir, 'next.mp4', { photo: '000000000165.jpg', seconds: 2, pixelsPerSecond: 30 }),
      { fps: 2 },
    );
    const steady = worker('worker-steady');
    expect(await steady.runOnce()).toBe(true);
    expect(await steady.runOnce()).toBe(true);
    const corruptJob = await database.videos.findJob(corrupt.jobId);
    expect(corruptJob?.state).toBe('failed');
    expect(corruptJob?.error).toMatch(/^ffmpeg failed after \d+ frame\(s\) \(exit code 1\): .+/);
    expect(await database.videos.findJob(next.jobId)).toMatchObject({ state: 'completed', framesDone: 4 });
    expect(await steady.runOnce()).toBe(false);
  });

  it('Should fail a job with an unknown model in plain words, and stop a cancelled job without completing it', async () => {
    const unknown = await enqueueVideo(
      database,
      storage,
      await panOverPhoto(dir, 'unknown-model.mp4', {
        photo: '000000000165.jpg',
        seconds: 1,
        pixelsPerSecond: 31,
      }),
      { fps: 2 },
      { model: 'no-such-model' },
    );
    expect(await worker('worker-c').runOnce()).toBe(true);
    expect(await database.videos.findJob(unknown.jobId)).toMatchObject({
      state: 'failed',
      error: 'model "no-such-model" is not available on the model server',
    });

    const cancelled = await enqueueVideo(
      database,
      storage,
      await panOverPhoto(dir, 'cancelled.mp4', {
        photo: '000000000165.jpg',
        seconds: 4,
        pixelsPerSecond: 32,
      }),
      { fps: 5 },
    );
    const looping = worker('worker-d', { frameConcurrency: 1, leaseMs: 300 });
    looping.start();
    while (((await database.videos.findJob(cancelled.jobId))?.framesDone ?? 0) < 2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await database.videos.cancel(cancelled.jobId, Date.now());
    await looping.stop();
    const job = await database.videos.findJob(cancelled.jobId);
    expect(job?.state).toBe('cancelled');
    expect(job!.framesDone).toBeLessThan(20);
    expect(await database.videos.listTracks(cancelled.videoId)).toEqual([]);
  });

  it('Should send every frame of a job to the deployment its model is routed to, picked once per job', async () => {
    const clip = await panOverPhoto(dir, 'pan-routed.mp4', {
      photo: '000000000086.jpg',
      seconds: 2,
      fps: 10,
    });
    const { jobId } = await enqueueVideo(database, storage, clip, { fps: 2 });
    // The worker's own client points at a closed port: only the route reaches the model server.
    const unrouted = new RestModelClient({
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      requestTimeoutMs: 30_000,
      retryDeadlineMs: 0,
    });
    const routed: Array<[string, string | undefined]> = [];
    const routedWorker = worker('worker-routed', {
      modelClient: unrouted,
      route: async (model, clientKey) => {
        routed.push([model, clientKey]);
        return { version: '1', baseUrl: modelServer.url };
      },
    });
    expect(await routedWorker.runOnce()).toBe(true);
    unrouted.close();
    expect(await database.videos.findJob(jobId)).toMatchObject({ state: 'completed', framesDone: 4 });
    expect(routed).toEqual([['centernet-coco', jobId]]);
  });
});

describe('VideoWorker against an overloaded model server', () => {
  let modelServer: ChildServer;
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = await makeTempDir('video-worker-overload-');
    // One inference at a time, no queue and no batching: every frame beyond the first in flight is refused with
    // Retry-After (a batch would take up to four frames at once).
    [modelServer, database] = await Promise.all([
      startModelServer(await closedPort(), {
        MODEL_CONCURRENCY: '1',
        MAX_QUEUED_REQUESTS: '0',
        DYNAMIC_BATCHING: 'false',
      }),
      openTestDatabase('sqlite', dir),
    ]);
  });
  afterAll(async () => {
    await database?.close();
    await modelServer?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should wait out the model server’s Retry-After and still store every frame once', async () => {
    const storage = new FsBlobStorage(path.join(dir, 'blobs'));
    const client = new RestModelClient({
      baseUrl: modelServer.url,
      requestTimeoutMs: 30_000,
      retryDeadlineMs: 10_000,
    });
    const refusals: number[] = [];
    // The real client, observed: which calls the model server refused as overloaded.
    const observed: ModelClient = {
      baseUrl: client.baseUrl,
      detect: (image, options) =>
        client.detect(image, options).catch((error: unknown) => {
          if (error instanceof ModelServerError && error.failure === 'overloaded')
            refusals.push(error.retryAfterSeconds ?? 0);
          throw error;
        }),
      listModels: () => client.listModels(),
      readiness: (timeoutMs) => client.readiness(timeoutMs),
      close: () => client.close(),
    };
    const clip = await panOverPhoto(dir, 'clip.mp4', { photo: '000000000086.jpg', seconds: 2, fps: 10 });
    const { videoId, jobId } = await enqueueVideo(database, storage, clip, { fps: 4 });
    const worker = new VideoWorker({
      videos: database.videos,
      storage,
      modelClient: observed,
      binaries: ffmpegBinaries(),
      logger: pino({ level: 'silent' }),
      owner: 'worker-overload',
      leaseMs: 30_000,
      pollIntervalMs: 50,
      frameConcurrency: 4,
      stallTimeoutMs: 20_000,
      maxAttempts: 3,
      tempDir: dir,
    });
    expect(await worker.runOnce()).toBe(true);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((seconds) => seconds >= 1)).toBe(true);
    expect(await database.videos.findJob(jobId)).toMatchObject({
      state: 'completed',
      framesDone: 8,
      framesTotal: 8,
    });
    expect(await database.videos.frameIndexes(videoId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    client.close();
  });
});

describe('VideoWorker while the model server is still starting (a scaled-to-zero predictor)', () => {
  let modelServer: ChildServer | undefined;
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = await makeTempDir('video-worker-cold-');
    database = await openTestDatabase('sqlite', dir);
  });
  afterAll(async () => {
    await database?.close();
    await modelServer?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should retry until the model server is up and complete the job', async () => {
    const port = await closedPort();
    const storage = new FsBlobStorage(path.join(dir, 'blobs'));
    let retries = 0;
    const client = new RestModelClient({
      baseUrl: `http://127.0.0.1:${port}`,
      requestTimeoutMs: 30_000,
      retryDeadlineMs: 120_000,
      onRetry: () => {
        retries += 1;
      },
    });
    const clip = await panOverPhoto(dir, 'clip.mp4', { photo: '000000000086.jpg', seconds: 2, fps: 10 });
    const { jobId } = await enqueueVideo(database, storage, clip, { fps: 2 });
    const worker = new VideoWorker({
      videos: database.videos,
      storage,
      modelClient: client,
      binaries: ffmpegBinaries(),
      logger: pino({ level: 'silent' }),
      owner: 'worker-cold',
      leaseMs: 30_000,
      pollIntervalMs: 50,
      frameConcurrency: 2,
      stallTimeoutMs: 20_000,
      maxAttempts: 3,
      tempDir: dir,
    });
    const working = worker.runOnce();
    // The model server comes up once the worker has been refused a few times.
    while (retries < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    modelServer = await startModelServer(port);
    expect(await working).toBe(true);
    expect(await database.videos.findJob(jobId)).toMatchObject({
      state: 'completed',
      framesDone: 4,
      error: null,
    });
    client.close();
  });
});
