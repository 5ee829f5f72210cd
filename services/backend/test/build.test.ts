import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobOf, multipart } from './support/images.js';
import { lastEventData } from './support/job-events.js';
import { backendRoot, type ChildServer, startChildServer, startModelServer } from './support/processes.js';
import { makeTempDir } from './support/temp-dir.js';
import { closedPort } from './support/test-app.js';
import { panOverPhoto } from './support/videos.js';

describe('Production bundle (pnpm --filter @detection/backend build)', () => {
  let work: string;
  let server: ChildServer;

  beforeAll(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
      cwd: backendRoot,
      stdio: 'pipe',
    });
    work = await makeTempDir('backend-dist-');
    server = await startChildServer({
      args: [path.join(backendRoot, 'dist/index.js')],
      cwd: work,
      env: {
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(work, 'detections.sqlite'),
        STORAGE_DIR: path.join(work, 'images'),
        MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
        WEB_UI_DIR: path.join(work, 'no-ui'),
        LOG_LEVEL: 'warn',
      },
      port: await closedPort(),
      readyPath: '/health',
      readyTimeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('Should bundle into dist/index.js and dist/worker.js with the migrations and the gRPC protos next to them', () => {
    expect(fs.existsSync(path.join(backendRoot, 'dist/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(backendRoot, 'dist/worker.js'))).toBe(true);
    for (const dialect of ['sqlite', 'postgres'])
      expect(fs.existsSync(path.join(backendRoot, `dist/drizzle/${dialect}/meta/_journal.json`))).toBe(true);
    expect(fs.existsSync(path.join(backendRoot, 'dist/proto/PROVENANCE.md'))).toBe(true);
  });

  it('Should start from another working directory, apply the migrations and serve the API and docs', async () => {
    const ready = (await (await fetch(`${server.url}/ready?model_server=false`)).json()) as {
      status: string;
    };
    expect(ready.status).toBe('ready');
    const list = await fetch(`${server.url}/images`);
    expect(await list.json()).toEqual({ images: [], next_cursor: null, total: { count: 0, exact: true } });
    const docs = await fetch(`${server.url}/docs/assets/swagger-ui-dist/swagger-ui.css`);
    expect(docs.status).toBe(200);
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(spec.paths)).toContain('/images/{image_id}/objects/{object_id}');
  });

  it('Should ship the gRPC protos and talk gRPC with MODEL_SERVER_PROTOCOL=grpc', async () => {
    expect(fs.readFileSync(path.join(backendRoot, 'dist/proto/open_inference_grpc.proto'))).toEqual(
      fs.readFileSync(path.join(backendRoot, '../model-server/proto/open_inference_grpc.proto')),
    );
    const address = `127.0.0.1:${await closedPort()}`;
    const grpc = await startChildServer({
      args: [path.join(backendRoot, 'dist/index.js')],
      cwd: work,
      env: {
        HOST: '127.0.0.1',
        DATABASE_PATH: path.join(work, 'grpc.sqlite'),
        STORAGE_DIR: path.join(work, 'grpc-images'),
        MODEL_SERVER_PROTOCOL: 'grpc',
        MODEL_SERVER_GRPC_ADDRESS: address,
        WEB_UI_DIR: path.join(work, 'no-ui'),
        LOG_LEVEL: 'warn',
      },
      port: await closedPort(),
      readyPath: '/health',
      readyTimeoutMs: 30_000,
    });
    try {
      const ready = (await (await fetch(`${grpc.url}/ready`)).json()) as {
        checks: { model_server: { status: string; detail: string } };
      };
      // The gRPC status says it went over gRPC; /ready is public, so the address is not in it.
      expect(ready.checks.model_server).toEqual({
        status: 'unavailable',
        detail: expect.stringMatching(/^UNAVAILABLE: /),
      });
      expect(JSON.stringify(ready)).not.toContain(address);
    } finally {
      await grpc.stop();
    }
  });

  it('Should run the video jobs of the bundled API (VIDEO_WORKERS=0) in dist/worker.js, the container image’s worker entry point', async () => {
    const modelServer = await startModelServer(await closedPort());
    const shared = {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      MODEL_SERVER_URL: modelServer.url,
      DATABASE_PATH: path.join(work, 'video.sqlite'),
      STORAGE_DIR: path.join(work, 'video-images'),
      VIDEO_TEMP_DIR: work,
      WEB_UI_DIR: path.join(work, 'no-ui'),
    };
    const servers: ChildServer[] = [modelServer];
    try {
      const api = await startChildServer({
        args: [path.join(backendRoot, 'dist/index.js')],
        cwd: work,
        env: { ...shared, VIDEO_WORKERS: '0' },
        port: await closedPort(),
        readyPath: '/health',
        readyTimeoutMs: 30_000,
      });
      servers.push(api);
      const worker = await startChildServer({
        args: [path.join(backendRoot, 'dist/worker.js')],
        cwd: work,
        env: { ...shared, VIDEO_WORKERS: '2', VIDEO_POLL_INTERVAL_MS: '100', REPLICA_ID: 'worker-pod' },
        port: await closedPort(),
        readyPath: '/health',
        readyTimeoutMs: 30_000,
      });
      servers.push(worker);
      expect(await (await fetch(`${worker.url}/health`)).json()).toEqual({ status: 'ok', video_workers: 2 });

      const clip = await panOverPhoto(work, 'clip.mp4', { photo: '000000000086.jpg', seconds: 2, fps: 10 });
      const res = await fetch(`${api.url}/videos?fps=2`, {
        method: 'POST',
        body: multipart(blobOf(fs.readFileSync(clip)), 'clip.mp4'),
      });
      expect(res.status).toBe(202);
      const { status_url: statusUrl } = (await res.json()) as { status_url: string };
      // The event stream ends when the job has finished.
      const events = await (await fetch(`${api.url}${statusUrl}/events`)).text();
      const last = lastEventData(events);
      expect(last).toMatchObject({ state: 'completed', frames_done: 4, frames_total: 4, attempts: 1 });
      // The worker counts a job once the database says it completed, which the event stream may see first.
      await expect
        .poll(() => fetch(`${worker.url}/metrics`).then((response) => response.text()), { timeout: 10_000 })
        .toMatch(/^backend_video_jobs_finished_total\{state="completed"\} 1$/m);
      expect((await fetch(`${worker.url}/videos`)).status).toBe(404);
      await worker.stop();
      expect(worker.process.exitCode).toBe(0);
    } finally {
      for (const server of servers.reverse()) await server.stop();
    }
  });

  it('Should stop cleanly on SIGTERM', async () => {
    await server.stop();
    expect(server.process.exitCode).toBe(0);
  });
});
