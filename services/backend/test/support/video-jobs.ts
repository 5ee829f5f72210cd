import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { Database } from '../../src/db/database.js';
import type { NewVideoJobRow } from '../../src/db/records.js';
import type { BlobStorage } from '../../src/storage/storage.js';
import { newVideoStorageKey } from '../../src/storage/video-keys.js';
import { ffmpegBinaries } from '../../src/video/ffmpeg-binaries.js';
import { expectedFrameCount, type Sampling } from '../../src/video/frame-sampler.js';
import { probeVideo } from '../../src/video/video-probe.js';

/** Stores a video file and enqueues its job directly through the repository (as `POST /videos` does). */
export async function enqueueVideo(
  database: Database,
  storage: BlobStorage,
  file: string,
  sampling: Sampling = { fps: 2 },
  job: Partial<NewVideoJobRow> = {},
): Promise<{ videoId: string; jobId: string; storageKey: string; framesTotal: number }> {
  const bytes = await fs.readFile(file);
  const videoId = createHash('sha256').update(bytes).digest('hex');
  const probed = await probeVideo(ffmpegBinaries(), file, { maxSeconds: 600, maxPixels: 40_000_000 }, 10_000);
  const storageKey = newVideoStorageKey(videoId);
  const token = randomUUID();
  const now = Date.now();
  await database.pendingBlobs.record({
    storageKey,
    token,
    purpose: 'upload',
    owner: 'test',
    createdAt: now,
    dueAt: now + 600_000,
  });
  await storage.put(storageKey, bytes, 'video/mp4');
  const jobId = randomUUID();
  const framesTotal = expectedFrameCount(sampling, probed.durationSeconds, probed.frameCount);
  await database.videos.insertVideo(
    {
      id: videoId,
      filename: 'test.mp4',
      sizeBytes: bytes.byteLength,
      storageKey,
      sourceUrl: null,
      container: probed.container,
      codec: probed.codec,
      width: probed.width,
      height: probed.height,
      fps: probed.fps,
      durationSeconds: probed.durationSeconds,
      frameCount: probed.frameCount,
      createdAt: now,
    },
    {
      id: jobId,
      videoId,
      state: 'queued',
      model: 'centernet-coco',
      scoreThreshold: null,
      sampleFps: 'fps' in sampling ? sampling.fps : null,
      everyNthFrame: 'everyNthFrame' in sampling ? sampling.everyNthFrame : null,
      framesTotal,
      createdAt: now,
      updatedAt: now,
      ...job,
    },
    { storageKey, token },
  );
  return { videoId, jobId, storageKey, framesTotal };
}
