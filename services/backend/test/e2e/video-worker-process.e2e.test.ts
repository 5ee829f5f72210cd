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
import { createTestApp, type TestApp } from '../support/test-app.js';
import { panOverPhoto } from '../support/videos.js';

/**
 * `pnpm --filter @detection/backend worker`: the workers as their own process. The API runs with no worker
 * (VIDEO_WORKERS=0) and the job is done by the worker process on the same database and storage.
 */
describe('The video worker process', () => {
  let modelServer: ChildServer;
  let worker: ChildServer;
  let t: TestApp;

  beforeAll(async () => {
    modelServer = await startModelServer(await closedPort());
    t = await createTestApp({ modelServerUrl: modelServer.url, config: { video: { workers: 0 } } });
    worker = await startChildServer({
      args: ['--import', 'tsx', path.join(backendRoot, 'src/worker.ts')],
      cwd: backendRoot,
      env: {
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        MODEL_SERVER_URL: modelServer.url,
        DATABASE_PATH: path.join(t.dir, 'detections.sqlite'),
        STORAGE_DIR: t.imagesDir,
        VIDEO_WORKERS: '0',
        VIDEO_POLL_INTERVAL_MS: '100',
        VIDEO_TEMP_DIR: t.dir,
        REPLICA_ID: 'worker-pod',
      },
      port: await closedPort(),
      readyPath: '/health',
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await modelServer?.stop();
  });

  it('Should do the jobs the API queued, and report its workers on /health and its counts on /metrics', async () => {
    const health = (await (await fetch(`${worker.url}/health`)).json()) as { video_workers: number };
    expect(health.video_workers).toBe(1);
    const clip = await panOverPhoto(t.dir, 'clip.mp4', { photo: '000000000086.jpg', seconds: 2, fps: 10 });
    const res = await t.app.request('/videos?fps=2', {
      method: 'POST',
      body: multipart(blobOf(await fs.readFile(clip)), 'clip.mp4'),
    });
    expect(res.status).toBe(202);
    const { status_url: statusUrl } = (await res.json()) as { status_url: string };
    const events = await (await t.app.request(`${statusUrl}/events`)).text();
    const last = lastEventData(events);
    expect(last).toMatchObject({ state: 'completed', frames_done: 4, frames_total: 4, attempts: 1 });
    // The worker counts a job once the database says it completed, which the event stream may see first.
    const metrics = () => fetch(`${worker.url}/metrics`).then((response) => response.text());
    await expect
      .poll(metrics, { timeout: 10_000, interval: 50 })
      .toMatch(/^backend_video_jobs_finished_total\{state="completed"\} 1$/m);
    expect(await metrics()).toMatch(/^backend_video_frames_detected_total\{model="centernet-coco"\} 4$/m);
  });
});
