import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart } from '../support/images.js';
import { lastEventData } from '../support/job-events.js';
import {
  backendRoot,
  type ChildServer,
  closedPort,
  startChildServer,
  startModelServer,
} from '../support/processes.js';
import { makeTempDir } from '../support/temp-dir.js';
import { panOverPhoto } from '../support/videos.js';

interface Job {
  state: string;
  frames_done: number;
  frames_total: number;
  attempts: number;
  error: string | null;
}

/**
 * The durability the queue promises, with real processes: the backend is killed (SIGKILL, no shutdown) in the
 * middle of a job; a new backend process on the same database and storage takes the job over once the dead
 * worker's lease has expired and finishes it, with every sampled frame stored exactly once.
 */
describe('A video job survives the backend being killed mid-job', () => {
  let dir: string;
  let modelServer: ChildServer;
  let backend: ChildServer | undefined;
  let clip: string;

  const startBackend = async (replica: string) =>
    startChildServer({
      args: ['--import', 'tsx', path.join(backendRoot, 'src/index.ts')],
      cwd: backendRoot,
      env: {
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        MODEL_SERVER_URL: modelServer.url,
        DATABASE_PATH: path.join(dir, 'detections.sqlite'),
        STORAGE_DIR: path.join(dir, 'blobs'),
        WEB_UI_DIR: path.join(dir, 'no-ui'),
        REPLICA_ID: replica,
        VIDEO_WORKERS: '1',
        VIDEO_FRAME_CONCURRENCY: '1',
        VIDEO_JOB_LEASE_MS: '2000',
        VIDEO_POLL_INTERVAL_MS: '200',
        VIDEO_TEMP_DIR: dir,
      },
      port: await closedPort(),
      readyPath: '/health',
    });

  beforeAll(async () => {
    dir = await makeTempDir('video-restart-');
    modelServer = await startModelServer(await closedPort());
    clip = await panOverPhoto(dir, 'long-pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 10,
      fps: 10,
      pixelsPerSecond: 8,
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await modelServer?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const job = async (url: string) => (await (await fetch(url)).json()) as Job;

  it('Should finish the job after a restart with every frame exactly once', async () => {
    backend = await startBackend('first');
    const res = await fetch(`${backend.url}/videos?fps=5`, {
      method: 'POST',
      body: multipart(blobOf(await fs.readFile(clip)), 'long-pan.mp4'),
    });
    expect(res.status).toBe(202);
    const { status_url: statusUrl, video_id: videoId } = (await res.json()) as {
      status_url: string;
      video_id: string;
    };

    // Killed once a few frames are stored, well before the 50th.
    for (;;) {
      const progress = await job(`${backend.url}${statusUrl}`);
      if (progress.frames_done >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exited = new Promise((resolve) => backend!.process.once('exit', resolve));
    backend.process.kill('SIGKILL');
    await exited;

    backend = await startBackend('second');
    const interrupted = await job(`${backend.url}${statusUrl}`);
    expect(interrupted.state).toBe('running');
    expect(interrupted.frames_done).toBeGreaterThanOrEqual(5);
    expect(interrupted.frames_done).toBeLessThan(50);

    const events = await (await fetch(`${backend.url}${statusUrl}/events`)).text();
    const last = lastEventData(events) as Job;
    expect(last).toMatchObject({
      state: 'completed',
      frames_done: 50,
      frames_total: 50,
      attempts: 2,
      error: null,
    });

    const frames = (await (await fetch(`${backend.url}/videos/${videoId}/frames`)).json()) as {
      frames: Array<{ index: number; timestamp: number }>;
    };
    expect(frames.frames.map((frame) => frame.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(frames.frames.map((frame) => frame.timestamp)).toEqual(
      Array.from({ length: 50 }, (_, i) => i / 5),
    );
  });
});
