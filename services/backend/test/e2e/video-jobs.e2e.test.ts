import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelColour, parseHexColour } from '../../src/images/label-style.js';
import { ffmpegBinaries } from '../../src/video/ffmpeg-binaries.js';
import { sampleFrames } from '../../src/video/frame-sampler.js';
import { probeVideo } from '../../src/video/video-probe.js';
import { dialects } from '../support/database.js';
import { type LocalHttpServer, startHttpServer } from '../support/http-server.js';
import { blobOf, multipart } from '../support/images.js';
import { type ChildServer, startModelServer } from '../support/processes.js';
import { closedPort, createTestApp, type TestApp } from '../support/test-app.js';
import { cutBetweenPhotos, panOverPhoto } from '../support/videos.js';

interface Job {
  job_id: string;
  video_id: string;
  state: string;
  frames_done: number;
  frames_total: number;
  elapsed_s: number | null;
  eta_s: number | null;
  error: string | null;
  attempts: number;
}
interface Accepted {
  video_id: string;
  job_id: string;
  status_url: string;
  video: { status: string; codec: string; width: number; height: number; fps: number; duration_s: number };
}
interface Frames {
  frames: Array<{
    index: number;
    timestamp: number;
    objects: Array<{
      object_id: string;
      label: string;
      score: number;
      bbox: number[];
      track_id: number | null;
    }>;
  }>;
}
interface Tracks {
  tracks: Array<{
    track_id: number;
    label: string;
    first_timestamp: number;
    last_timestamp: number;
    frames_seen: number;
    path: unknown[];
  }>;
}

/** Reads a job's Server-Sent Events until the stream ends; returns the `job` events' data. */
async function readEvents(res: Response): Promise<Job[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: job'))
    .map(
      (block) =>
        JSON.parse(
          block
            .split('\n')
            .find((line) => line.startsWith('data: '))!
            .slice(6),
        ) as Job,
    );
}

describe.each(dialects)('Video jobs end to end against the real model server on %s', (dialect) => {
  let modelServer: ChildServer;
  let t: TestApp;
  let videoServer: LocalHttpServer;
  let pan: string;
  let cut: string;

  beforeAll(async () => {
    modelServer = await startModelServer(await closedPort());
    t = await createTestApp({
      dialect,
      modelServerUrl: modelServer.url,
      retryDeadlineMs: 10_000,
      config: { urlFetch: { allowPrivate: true, timeoutMs: 5_000 } },
    });
    t.videoWorkers.start();
    const dir = path.join(t.dir, 'videos-in');
    await fs.mkdir(dir);
    pan = await panOverPhoto(dir, 'pan.mp4', {
      photo: '000000000086.jpg',
      seconds: 3,
      fps: 10,
      width: 432,
      height: 600,
    });
    cut = await cutBetweenPhotos(dir, 'cut.mp4', {
      first: '000000000086.jpg',
      second: '000000000529.jpg',
      seconds: 1.5,
    });
    videoServer = await startHttpServer((req, res) => {
      if (req.url === '/cut.mp4') {
        fs.readFile(cut).then((bytes) => {
          res.writeHead(200, { 'content-type': 'video/mp4' });
          res.end(bytes);
        });
        return;
      }
      res.writeHead(404);
      res.end();
    });
  });
  afterAll(async () => {
    await t?.close();
    await videoServer?.close();
    await modelServer?.stop();
  });

  const json = async <T>(url: string, init?: RequestInit) => {
    const res = await t.app.request(url, init);
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };

  it('Should accept an upload with 202, run the job to completion with live events, and serve frames, tracks and the file', async () => {
    const bytes = await fs.readFile(pan);
    const { status, body, headers } = await json<Accepted>('/videos?fps=2', {
      method: 'POST',
      body: multipart(blobOf(bytes), 'pan.mp4'),
    });
    expect(status, JSON.stringify(body)).toBe(202);
    expect(body.video_id).toMatch(/^[0-9a-f]{64}$/);
    expect(body.status_url).toBe(`/jobs/${body.job_id}`);
    expect(headers.get('location')).toBe(body.status_url);
    expect(body.video).toMatchObject({ codec: 'h264', width: 432, height: 600, fps: 10, duration_s: 3 });

    const events = await readEvents(await t.app.request(`${body.status_url}/events`));
    expect(events.at(-1)).toMatchObject({
      state: 'completed',
      frames_done: 6,
      frames_total: 6,
      error: null,
      eta_s: 0,
    });
    const done = events.map((event) => event.frames_done);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    const job = await json<Job>(body.status_url);
    expect(job.body).toMatchObject({ state: 'completed', frames_done: 6, frames_total: 6, attempts: 1 });
    expect(job.body.elapsed_s).toBeGreaterThan(0);

    const frames = await json<Frames>(`/videos/${body.video_id}/frames`);
    expect(frames.body.frames.map((frame) => frame.timestamp)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    const tracks = await json<Tracks>(`/videos/${body.video_id}/tracks`);
    const rider = tracks.body.tracks.find((track) => track.label === 'person' && track.frames_seen === 6);
    expect(rider, JSON.stringify(tracks.body)).toMatchObject({ first_timestamp: 0, last_timestamp: 2.5 });
    expect(rider!.path).toHaveLength(6);
    for (const frame of frames.body.frames) {
      expect(frame.objects.filter((object) => object.track_id === rider!.track_id)).toHaveLength(1);
    }
    const window = await json<Frames>(`/videos/${body.video_id}/frames?from=0.5&to=1.5`);
    expect(window.body.frames.map((frame) => frame.index)).toEqual([1, 2, 3]);

    const video = await json<{ status: string }>(`/videos/${body.video_id}`);
    expect(video.body.status).toBe('completed');
    const whole = await t.app.request(`/videos/${body.video_id}/file`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await t.app.request(`/videos/${body.video_id}/file`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
    const outside = await t.app.request(`/videos/${body.video_id}/file`, {
      headers: { range: `bytes=${bytes.length}-` },
    });
    expect(outside.status).toBe(416);

    // The same bytes again: 409 naming the existing video, nothing new stored.
    const again = await json<{ error: string; video_id: string }>('/videos', {
      method: 'POST',
      body: multipart(blobOf(bytes), 'again.mp4'),
    });
    expect(again.status).toBe(409);
    expect(again.body.video_id).toBe(body.video_id);
    expect((await t.storedVideos()).files).toHaveLength(1);
  });

  it('Should draw the annotated MP4 once (H.264, every frame, the rider’s box drawn), store it and serve it with ranges', async () => {
    const { videos } = (await json<{ videos: Array<{ video_id: string; status: string }> }>('/videos')).body;
    const videoId = videos.find((video) => video.status === 'completed')!.video_id;
    const filesBefore = (await t.storedVideos()).files.length;
    const first = await t.app.request(`/videos/${videoId}/annotated`);
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await first.arrayBuffer());
    expect((await t.storedVideos()).files).toHaveLength(filesBefore + 1);
    const again = await t.app.request(`/videos/${videoId}/annotated`, { headers: { range: 'bytes=0-999' } });
    expect(again.status).toBe(206);
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes.subarray(0, 1000))).toBe(true);
    expect((await t.storedVideos()).files).toHaveLength(filesBefore + 1);

    const file = path.join(t.dir, 'annotated.mp4');
    await fs.writeFile(file, bytes);
    const probed = await probeVideo(
      ffmpegBinaries(),
      file,
      { maxSeconds: 60, maxPixels: 10_000_000 },
      10_000,
    );
    expect(probed).toMatchObject({ codec: 'h264', width: 432, height: 600, fps: 10, frameCount: 30 });
    // The first frame of both: along the rider's box edge the annotated one has the label colour, the original not.
    const track = (await json<Tracks>(`/videos/${videoId}/tracks`)).body.tracks.find(
      (candidate) => candidate.frames_seen === 6,
    )!;
    const [x1, y1, x2] = (track.path[0] as { bbox: number[] }).bbox as [number, number, number, number];
    const firstFrame = async (source: string) => {
      for await (const frame of sampleFrames({
        ffmpeg: ffmpegBinaries().ffmpeg,
        file: source,
        sampling: { fps: 10 },
        sourceFps: 10,
        stallTimeoutMs: 20_000,
      })) {
        return sharp(frame.jpeg)
          .extract({ left: x1, top: y1, width: x2 - x1, height: 2 })
          .raw()
          .toBuffer();
      }
      throw new Error('no frame');
    };
    const colour = parseHexColour(labelColour('person'));
    const closeness = (edge: Buffer) => {
      let near = 0;
      for (let i = 0; i < edge.length; i += 3) {
        if (
          Math.abs(edge[i]! - colour[0]) +
            Math.abs(edge[i + 1]! - colour[1]) +
            Math.abs(edge[i + 2]! - colour[2]) <
          90
        )
          near += 1;
      }
      return near / (edge.length / 3);
    };
    expect(closeness(await firstFrame(file))).toBeGreaterThan(0.4);
    expect(closeness(await firstFrame(pan))).toBeLessThan(0.2);
  });

  it('Should fetch a video from a URL, list it, and delete it with its job, frames and file', async () => {
    const { status, body } = await json<Accepted>('/videos?every_nth_frame=5', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${videoServer.origin}/cut.mp4` }),
    });
    expect(status, JSON.stringify(body)).toBe(202);
    const events = await readEvents(await t.app.request(`${body.status_url}/events`));
    expect(events.at(-1)).toMatchObject({ state: 'completed', frames_done: 6 });
    // The cut at 1.5 s: objects before it, and tracks after it that start at the cut; no track crosses it.
    const frames = await json<Frames>(`/videos/${body.video_id}/frames?to=1.4`);
    expect(frames.body.frames.flatMap((frame) => frame.objects).length).toBeGreaterThan(0);
    const tracks = await json<Tracks>(`/videos/${body.video_id}/tracks`);
    const spans = tracks.body.tracks.map((track) => [track.first_timestamp, track.last_timestamp] as const);
    expect(
      spans.some(([first]) => first === 1.5),
      JSON.stringify(tracks.body),
    ).toBe(true);
    expect(spans.filter(([first, last]) => first < 1.5 && last >= 1.5)).toEqual([]);

    const list = await json<{ videos: Array<{ video_id: string }> }>('/videos?limit=1');
    expect(list.body.videos.map((video) => video.video_id)).toEqual([body.video_id]);

    const before = await t.storedVideos();
    const removed = await t.app.request(`/videos/${body.video_id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    const after = await t.storedVideos();
    expect(after.videos).toBe(before.videos - 1);
    expect(after.files).toHaveLength(before.files.length - 1);
    expect(after.pendingBlobs).toBe(0);
    expect((await t.app.request(`/jobs/${body.job_id}`)).status).toBe(404);
    expect((await t.app.request(`/videos/${body.video_id}/frames`)).status).toBe(404);
  });

  it('Should cancel a job with DELETE /jobs/{id}, and refuse to cancel a finished one', async () => {
    const long = await panOverPhoto(path.join(t.dir, 'videos-in'), 'long.mp4', {
      photo: '000000000529.jpg',
      seconds: 8,
      fps: 10,
      pixelsPerSecond: 5,
    });
    const { body } = await json<Accepted>('/videos?fps=10', {
      method: 'POST',
      body: multipart(blobOf(await fs.readFile(long)), 'long.mp4'),
    });
    // Waits until the job is under way.
    for (;;) {
      const job = await json<Job>(body.status_url);
      if (job.body.frames_done > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cancelled = await json<Job>(body.status_url, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const events = await readEvents(await t.app.request(`${body.status_url}/events`));
    expect(events).toHaveLength(1);
    expect(events[0]!.state).toBe('cancelled');
    expect(events[0]!.frames_done).toBeLessThan(80);
    expect((await json<Job>(body.status_url, { method: 'DELETE' })).body.state).toBe('cancelled');

    const first = (
      await json<{ videos: Array<{ job: Job; status: string }> }>('/videos?limit=100')
    ).body.videos.find((video) => video.status === 'completed')!;
    const notYet = await json<{ error: string }>(`/videos/${body.video_id}/annotated`);
    expect(notYet.status).toBe(409);
    expect(notYet.body.error).toMatch(/has not completed \(it is cancelled\)/);
    const refused = await json<{ error: string }>(`/jobs/${first.job.job_id}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/has already completed/);
  });
});
