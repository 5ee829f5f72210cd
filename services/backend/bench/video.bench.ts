/**
 * Video job benchmark against the real model server (centernet-coco): end-to-end sampled frames per second of a
 * 30 s 640x360 clip at 5 fps (150 frames), compared with the model server's own best throughput on the same frames
 * in the same run; time to the first frame result; peak RSS of the backend process (the worker runs in it) and of
 * its ffmpeg children. Both servers run as separate processes on 127.0.0.1. Writes bench/results/video.json.
 *
 *   pnpm bench:video            (from the repository root; --help: usage)
 */
import './video-usage.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegBinaries } from '../src/video/ffmpeg-binaries.js';
import { sampleFrames } from '../src/video/frame-sampler.js';
import { backendRoot, repoRoot, startChildServer, startModelServer } from '../test/support/processes.js';
import { closedPort } from '../test/support/test-app.js';
import { panOverPhoto } from '../test/support/videos.js';
import { inferDirectly } from './infer-directly.js';

const round = (value: number) => Math.round(value * 100) / 100;
const sampleFps = 5;

/** RSS in MB of a process and of its direct children (the worker's ffmpeg), from /proc. */
function rssOf(pid: number): { own: number; children: number } {
  const read = (id: number) => {
    try {
      const status = fs.readFileSync(`/proc/${id}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  let children = 0;
  try {
    for (const child of fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)) {
      children += read(Number(child));
    }
  } catch {
    // No children file (not Linux, or the process is gone).
  }
  return { own: read(pid), children };
}

async function main() {
  console.log('building the backend bundle…');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: backendRoot,
    stdio: 'inherit',
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'video-bench-'));
  console.log('generating a 30 s 640x360 clip…');
  const clip = await panOverPhoto(work, 'bench.mp4', {
    photo: '000000000165.jpg',
    seconds: 30,
    fps: 25,
    width: 576,
    height: 324,
    pixelsPerSecond: 2,
    outputSize: { width: 640, height: 360 },
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast'],
  });
  const modelServer = await startModelServer(await closedPort());
  const backend = await startChildServer({
    args: ['dist/index.js'],
    cwd: backendRoot,
    env: {
      HOST: '127.0.0.1',
      MODEL_SERVER_URL: modelServer.url,
      DATABASE_PATH: path.join(work, 'detections.sqlite'),
      STORAGE_DIR: path.join(work, 'blobs'),
      VIDEO_TEMP_DIR: work,
      VIDEO_WORKERS: '1',
      VIDEO_POLL_INTERVAL_MS: '100',
      VIDEO_EVENTS_POLL_MS: '100',
      LOG_LEVEL: 'warn',
    },
    port: await closedPort(),
    readyPath: '/health',
  });

  try {
    const frames: Buffer[] = [];
    for await (const frame of sampleFrames({
      ffmpeg: ffmpegBinaries().ffmpeg,
      file: clip,
      sampling: { fps: sampleFps },
      sourceFps: 25,
      stallTimeoutMs: 30_000,
    })) {
      frames.push(frame.jpeg);
    }
    const infer = (bytes: Buffer) => inferDirectly(modelServer.url, bytes);
    console.log(`warming up the model server with ${frames.length} sampled frames…`);
    for (const frame of frames.slice(0, 5)) await infer(frame);

    const direct: Record<string, number> = {};
    for (const concurrency of [1, 2, 4, 8]) {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < frames.length) await infer(frames[next++]!);
        }),
      );
      direct[`concurrency_${concurrency}`] = round(frames.length / ((performance.now() - started) / 1000));
      console.log(
        `model server direct, concurrency ${concurrency}: ${direct[`concurrency_${concurrency}`]} frames/s`,
      );
    }
    const best = Math.max(...Object.values(direct));

    const rss = { own: rssOf(backend.process.pid!).own, children: 0, idle: rssOf(backend.process.pid!).own };
    const sampler = setInterval(() => {
      const now = rssOf(backend.process.pid!);
      rss.own = Math.max(rss.own, now.own);
      rss.children = Math.max(rss.children, now.children);
    }, 25);
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(clip)], { type: 'video/mp4' }), 'bench.mp4');
    const started = performance.now();
    const res = await fetch(`${backend.url}/videos?fps=${sampleFps}`, { method: 'POST', body: form });
    const accepted = (await res.json()) as { video_id: string; status_url: string; error?: string };
    const acceptedMs = performance.now() - started;
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${accepted.error}`);
    let firstResultMs = Number.NaN;
    let finished:
      | { state: string; frames_done: number; frames_total: number; error: string | null }
      | undefined;
    const events = await fetch(`${backend.url}${accepted.status_url}/events`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of events.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      for (const line of buffered.split('\n').filter((candidate) => candidate.startsWith('data: '))) {
        const job = JSON.parse(line.slice(6)) as NonNullable<typeof finished>;
        if (job.frames_done > 0 && Number.isNaN(firstResultMs)) firstResultMs = performance.now() - started;
        finished = job;
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    }
    const totalMs = performance.now() - started;
    clearInterval(sampler);
    if (finished?.state !== 'completed') throw new Error(`the job ended ${JSON.stringify(finished)}`);
    const endToEnd = round(finished.frames_done / (totalMs / 1000));

    const result = {
      benchmark: 'video',
      description:
        'POST /videos?fps=5 of a 30 s 640x360 H.264 clip (a pan over a shipped COCO photo, 25 fps) to the bundled ' +
        'backend with one in-process worker (VIDEO_FRAME_CONCURRENCY 4), against the real model server ' +
        '(centernet-coco, onnxruntime-node CPU); both as separate processes on 127.0.0.1',
      measured_at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      caveat:
        'shared 2-core machine: the backend, its ffmpeg, the model server and the client share the cores',
      frames: finished.frames_done,
      upload_accepted_ms: round(acceptedMs),
      time_to_first_result_ms: round(firstResultMs),
      total_ms: round(totalMs),
      end_to_end_frames_per_s: endToEnd,
      model_server_direct_frames_per_s: direct,
      model_server_best_frames_per_s: best,
      ratio_to_model_server_best: round(endToEnd / best),
      target_ratio: 0.8,
      peak_rss_mb: {
        backend_idle: round(rss.idle),
        backend: round(rss.own),
        ffmpeg_children: round(rss.children),
      },
    };
    const out = path.join(repoRoot, 'bench/results/video.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `${result.frames} frames: ${endToEnd} frames/s end to end vs ${best} frames/s model server best (ratio ` +
        `${result.ratio_to_model_server_best}, target 0.8); first result after ${result.time_to_first_result_ms} ms; ` +
        `peak RSS backend ${result.peak_rss_mb.backend} MB (idle ${result.peak_rss_mb.backend_idle}), ffmpeg ${result.peak_rss_mb.ffmpeg_children} MB`,
    );
    console.log(`wrote ${path.relative(repoRoot, out)}`);
  } finally {
    await backend.stop();
    await modelServer.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
