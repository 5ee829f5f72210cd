import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, dialects, openTestDatabase } from '../../test/support/database.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import type { Database } from './database.js';
import { ReservationLostError } from './image-repository.js';
import type { NewVideoJobRow, NewVideoRow } from './records.js';
import { DuplicateVideoError } from './video-repository.js';

describe.each(dialects)('VideoRepository (the durable job queue) on %s', (dialect) => {
  let dir: string;
  let database: Database;
  const t0 = 1_800_000_000_000;
  const lease = 30_000;

  beforeAll(async () => {
    dir = await makeTempDir(`backend-video-repository-${dialect}-`);
    database = await openTestDatabase(dialect, dir);
  });
  afterAll(async () => {
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Inserts a video with its queued job (created at `createdAt`) through a pending-blob reservation. */
  async function addVideo(
    name: string,
    createdAt: number,
  ): Promise<{ video: NewVideoRow; job: NewVideoJobRow }> {
    const id = createHash('sha256').update(`${name}-${randomUUID()}`).digest('hex');
    const storageKey = `videos/${id.slice(0, 2)}/${id}-${randomUUID().replaceAll('-', '')}`;
    const token = randomUUID();
    await database.pendingBlobs.record({
      storageKey,
      token,
      purpose: 'upload',
      owner: 'test',
      createdAt,
      dueAt: createdAt + 60_000,
    });
    const video: NewVideoRow = {
      id,
      filename: `${name}.mp4`,
      sizeBytes: 1000,
      storageKey,
      sourceUrl: null,
      container: 'mov,mp4,m4a,3gp,3g2,mj2',
      codec: 'h264',
      width: 320,
      height: 240,
      fps: 10,
      durationSeconds: 3,
      frameCount: 30,
      createdAt,
    };
    const job: NewVideoJobRow = {
      id: randomUUID(),
      videoId: id,
      state: 'queued',
      model: 'centernet-coco',
      scoreThreshold: null,
      sampleFps: 2,
      everyNthFrame: null,
      framesTotal: 6,
      createdAt,
      updatedAt: createdAt,
    };
    await database.videos.insertVideo(video, job, { storageKey, token });
    expect(await database.pendingBlobs.find(storageKey)).toBeNull();
    return { video, job };
  }

  const frame = (videoId: string, frameIndex: number) => ({
    videoId,
    frameIndex,
    timestampMs: frameIndex * 500,
    objects: JSON.stringify([{ label: 'person', index: frameIndex }]),
  });

  it('Should refuse the same video twice and an upload whose reservation was reclaimed', async () => {
    const { video, job } = await addVideo('duplicate', t0);
    const token = randomUUID();
    const storageKey = `${video.storageKey}x`;
    await database.pendingBlobs.record({
      storageKey,
      token,
      purpose: 'upload',
      owner: 'test',
      createdAt: t0,
      dueAt: t0,
    });
    await expect(
      database.videos.insertVideo(
        { ...video, storageKey },
        { ...job, id: randomUUID() },
        { storageKey, token },
      ),
    ).rejects.toBeInstanceOf(DuplicateVideoError);
    await expect(
      database.videos.insertVideo(
        { ...video, id: 'f'.repeat(64), storageKey: 'videos/ff/lost' },
        { ...job, id: randomUUID(), videoId: 'f'.repeat(64) },
        { storageKey: 'videos/ff/lost', token: 'gone' },
      ),
    ).rejects.toBeInstanceOf(ReservationLostError);
    expect(await database.videos.exists('f'.repeat(64))).toBe(false);
    await database.videos.cancel(job.id, t0);
  });

  it('Should hand each queued job to one worker, oldest first, and none when all are taken', async () => {
    const older = await addVideo('older', t0 + 10);
    const newer = await addVideo('newer', t0 + 20);
    const now = t0 + 1000;
    const claims = await Promise.all([
      database.videos.claimNext('worker-a', now, lease),
      database.videos.claimNext('worker-b', now, lease),
      database.videos.claimNext('worker-c', now, lease),
    ]);
    // Whichever two claims win, each gets its own job and the third gets none.
    const [a, b] = claims.filter((claim) => claim !== null);
    expect(
      claims.filter((claim) => claim === null),
      JSON.stringify(claims),
    ).toHaveLength(1);
    expect([a?.id, b?.id].sort()).toEqual([older.job.id, newer.job.id].sort());
    expect(a).toMatchObject({ state: 'running', attempts: 1, leaseExpiresAt: now + lease, startedAt: now });
    for (const job of [a!, b!])
      expect(await database.videos.fail(job.id, job.leaseOwner!, 'test over', now)).toBe(true);
  });

  it('Should store each frame once, count it once, and give an expired job to another worker that resumes it', async () => {
    const { video, job } = await addVideo('resumed', t0 + 30);
    const first = await database.videos.claimNext('worker-a', t0 + 100, lease);
    expect(first?.id).toBe(job.id);
    expect(await database.videos.saveFrame(job.id, 'worker-a', frame(video.id, 0), t0 + 200)).toBe('saved');
    expect(await database.videos.saveFrame(job.id, 'worker-a', frame(video.id, 1), t0 + 200)).toBe('saved');
    // Worker a dies: its lease is still valid for a moment, so nobody else takes the job.
    expect(await database.videos.claimNext('worker-b', t0 + 1000, lease)).toBeNull();
    const resumed = await database.videos.claimNext('worker-b', t0 + 100 + lease + 1, lease);
    expect(resumed).toMatchObject({
      id: job.id,
      leaseOwner: 'worker-b',
      attempts: 2,
      framesDone: 2,
      startedAt: t0 + 100,
    });
    expect(await database.videos.frameIndexes(video.id)).toEqual([0, 1]);
    // b writes frame 1 again (it re-samples from the start) and the rest; worker a wakes up and is refused.
    const now = t0 + lease + 500;
    expect(await database.videos.saveFrame(job.id, 'worker-b', frame(video.id, 1), now)).toBe('duplicate');
    expect(await database.videos.saveFrame(job.id, 'worker-a', frame(video.id, 2), now)).toBe('lease_lost');
    expect(await database.videos.renewLease(job.id, 'worker-a', now, lease)).toBe(false);
    for (const index of [2, 3, 4, 5]) {
      expect(await database.videos.saveFrame(job.id, 'worker-b', frame(video.id, index), now)).toBe('saved');
    }
    expect(await database.videos.renewLease(job.id, 'worker-b', now, lease)).toBe(true);
    const stored = await database.videos.listFrames(video.id, { limit: 100 });
    expect(stored.map((row) => row.frameIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await database.videos.findJob(job.id)).toMatchObject({ framesDone: 6, state: 'running' });
    expect(
      (await database.videos.listFrames(video.id, { fromMs: 500, toMs: 1500, limit: 100 })).map(
        (r) => r.frameIndex,
      ),
    ).toEqual([1, 2, 3]);

    const completion = {
      framesTotal: 6,
      frames: stored.map((row) => ({
        frameIndex: row.frameIndex,
        objects: JSON.stringify([{ track_id: 1 }]),
      })),
      tracks: [
        {
          videoId: video.id,
          trackId: 1,
          label: 'person',
          firstMs: 0,
          lastMs: 2500,
          framesSeen: 6,
          bestScore: 0.9,
          path: '[]',
        },
      ],
    };
    expect(await database.videos.complete(job.id, 'worker-a', completion, now)).toBe(false);
    expect(await database.videos.complete(job.id, 'worker-b', completion, now + 1)).toBe(true);
    expect(await database.videos.findJob(job.id)).toMatchObject({
      state: 'completed',
      finishedAt: now + 1,
      leaseOwner: null,
    });
    expect(await database.videos.listTracks(video.id)).toEqual(completion.tracks);
    expect(JSON.parse((await database.videos.listFrames(video.id, { limit: 1 }))[0]!.objects)).toEqual([
      { track_id: 1 },
    ]);
    // A finished job is not claimed again, and cancelling it changes nothing.
    expect(await database.videos.claimNext('worker-c', now + 10 * lease, lease)).toBeNull();
    expect(await database.videos.cancel(job.id, now + 2)).toMatchObject({ state: 'completed' });
  });

  it('Should cancel a queued job before any worker sees it, and stop a running job’s worker at its next write', async () => {
    const queued = await addVideo('cancel-queued', t0 + 40);
    expect(await database.videos.cancel(queued.job.id, t0 + 50)).toMatchObject({
      state: 'cancelled',
      finishedAt: t0 + 50,
    });
    const running = await addVideo('cancel-running', t0 + 41);
    const claimed = await database.videos.claimNext('worker-a', t0 + 60, lease);
    expect(claimed?.id).toBe(running.job.id);
    expect(await database.videos.cancel(running.job.id, t0 + 70)).toMatchObject({ state: 'cancelled' });
    expect(
      await database.videos.saveFrame(running.job.id, 'worker-a', frame(running.video.id, 0), t0 + 80),
    ).toBe('lease_lost');
    expect(await database.videos.frameIndexes(running.video.id)).toEqual([]);
    expect(await database.videos.fail(running.job.id, 'worker-a', 'late', t0 + 90)).toBe(false);
    expect(await database.videos.cancel(randomUUID(), t0)).toBeNull();
  });

  it('Should put a released job back in the queue for the next worker', async () => {
    const { job } = await addVideo('released', t0 + 45);
    const now = t0 + 20 * lease;
    expect((await database.videos.claimNext('worker-a', now, lease))?.id).toBe(job.id);
    expect(await database.videos.release(job.id, 'worker-b', now)).toBe(false);
    expect(await database.videos.release(job.id, 'worker-a', now)).toBe(true);
    expect(await database.videos.findJob(job.id)).toMatchObject({ state: 'queued', leaseOwner: null });
    expect(await database.videos.claimNext('worker-b', now + 1, lease)).toMatchObject({
      id: job.id,
      attempts: 2,
    });
    expect(await database.videos.fail(job.id, 'worker-b', 'test over', now + 2)).toBe(true);
  });

  it('Should list newest first by pages and delete a video with its job, frames and tracks, its blob pending deletion', async () => {
    const page = await database.videos.list(2, null);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.video.createdAt).toBeGreaterThanOrEqual(page.items[1]!.video.createdAt);
    const rest = await database.videos.list(100, page.next);
    const all = [...page.items, ...rest.items].map((item) => item.video.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(await countRows(database, 'videos'));

    const { video, job } = await addVideo('deleted', t0 + 50);
    await database.videos.claimNext('worker-a', t0 + 10 * lease, lease);
    expect(await database.videos.saveFrame(job.id, 'worker-a', frame(video.id, 0), t0 + 10 * lease)).toBe(
      'saved',
    );
    expect(await database.videos.isReferenced(video.storageKey)).toBe(true);
    const deletion = { owner: 'test', token: randomUUID(), now: t0 + 11 * lease };
    const annotatedKey = `${video.storageKey}-annotated`;
    const token = randomUUID();
    await database.pendingBlobs.record({
      storageKey: annotatedKey,
      token,
      purpose: 'upload',
      owner: 'test',
      createdAt: t0,
      dueAt: t0 + 60_000,
    });
    expect(await database.videos.setAnnotated(video.id, { storageKey: annotatedKey, token })).toBe('stored');
    expect(await database.pendingBlobs.find(annotatedKey)).toBeNull();
    expect(await database.videos.isReferenced(annotatedKey)).toBe(true);
    // A second annotated MP4 (another request rendered it at the same time) is not taken.
    expect(await database.videos.setAnnotated(video.id, { storageKey: `${annotatedKey}2`, token })).toBe(
      'exists',
    );
    expect(await database.videos.delete(video.id, deletion)).toEqual([video.storageKey, annotatedKey]);
    expect(await database.pendingBlobs.find(annotatedKey)).toMatchObject({ purpose: 'delete' });
    expect(await database.videos.setAnnotated(video.id, { storageKey: `${annotatedKey}3`, token })).toBe(
      'gone',
    );
    expect(await database.videos.find(video.id)).toBeNull();
    expect(await database.videos.findJob(job.id)).toBeNull();
    expect(await database.videos.frameIndexes(video.id)).toEqual([]);
    expect(await database.videos.isReferenced(video.storageKey)).toBe(false);
    expect(await database.pendingBlobs.find(video.storageKey)).toMatchObject({
      purpose: 'delete',
      token: deletion.token,
    });
    expect(await database.videos.delete(video.id, deletion)).toBeNull();
  });
});
