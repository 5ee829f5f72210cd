import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { enqueueVideo } from '../../../test/support/video-jobs.js';
import { testPattern } from '../../../test/support/videos.js';

describe('GET /jobs/{job_id}/events on a job that waits', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No workers: the job stays queued, so the stream has nothing new to say until it is cancelled.
    t = await createTestApp({ config: { video: { workers: 0, eventsPollMs: 50, eventsKeepAliveMs: 200 } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('Should send keep-alive comments while nothing changes, then the cancellation, and end', async () => {
    const clip = await testPattern(t.dir, 'queued.mp4', { width: 64, height: 48, seconds: 1 });
    const { jobId } = await enqueueVideo(t.database, t.storage, clip);
    const res = await t.app.request(`/jobs/${jobId}/events`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/^: keep-alive$/gm) ?? []).length < 2) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      text += value;
    }
    expect(text.match(/^event: job$/gm)).toHaveLength(1);

    const cancelled = await t.app.request(`/jobs/${jobId}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const jobs = text
      .split('\n\n')
      .filter((block) => block.includes('event: job'))
      .map((block) =>
        JSON.parse(
          block
            .split('\n')
            .find((line) => line.startsWith('data: '))!
            .slice(6),
        ),
      );
    expect(jobs.map((job) => job.state)).toEqual(['queued', 'cancelled']);
  });
});
