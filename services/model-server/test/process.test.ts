/**
 * The production bundle as a process: `node index.js` starts, logs its startup time, serves, and on SIGTERM
 * turns unready, finishes in-flight requests, refuses new connections and exits 0.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { shippedPhoto } from '@detection/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, PACKAGE_ROOT } from '../scripts/bundle.js';
import { binaryImageRequest, readImage } from './support/server.js';
import {
  type ServerProcess,
  startServerProcess,
  waitForLog,
  waitUntilReady,
} from './support/server-process.js';

// Inside the package so that the external native packages resolve from its node_modules.
const OUTDIR = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'model-server-test-bundle');

const startProcess = (env: Record<string, string> = {}) =>
  startServerProcess(env, { entry: path.join(OUTDIR, 'index.js'), cwd: path.join(PACKAGE_ROOT, '..') });

let photo: Uint8Array;
const started: ServerProcess[] = [];

beforeAll(async () => {
  await bundle(OUTDIR);
  photo = await readImage(shippedPhoto('000000000436.jpg').file);
});
afterAll(() => {
  for (const { child } of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the production bundle', () => {
  it('Should log the time from process start to ready, then stop gracefully on SIGTERM with in-flight requests served', async () => {
    const server = await startProcess({ SHUTDOWN_TIMEOUT_MS: '20000' });
    started.push(server);
    await waitUntilReady(server.url);
    const ready = await waitForLog(server, 'ready: every model loaded and warmed up');
    expect(ready?.startup_ms).toEqual(expect.any(Number));
    expect(
      server.logs
        .filter((entry) => entry.msg === 'model version ready')
        .map((entry) => entry.model)
        .sort(),
    ).toEqual(['blazeface', 'centernet-coco']);

    const request = () => fetch(`${server.url}/v2/models/centernet-coco/infer`, binaryImageRequest(photo));
    const inflight = Array.from({ length: 6 }, request);
    // SIGTERM once all six are inside the server (queued or running).
    for (let i = 0; i < 400; i++) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const pending = Number(
        /model_server_inference_pending_requests\{model="centernet-coco",version="1"\} (\d+)/.exec(
          metrics,
        )?.[1] ?? 0,
      );
      const done = Number(
        /model_server_inference_requests_total\{model="centernet-coco",version="1"\} (\d+)/.exec(
          metrics,
        )?.[1] ?? 0,
      );
      if (pending + done >= 6 && pending > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    server.child.kill('SIGTERM');
    const outcomes = await Promise.all(
      inflight.map((response) =>
        response.then(
          async (r) => `${r.status} ${r.status === 200 ? '' : await r.text()}`.trim(),
          (error: Error) => `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`,
        ),
      ),
    );
    expect(outcomes, JSON.stringify(server.logs.slice(-12))).toEqual([
      '200',
      '200',
      '200',
      '200',
      '200',
      '200',
    ]);
    expect(await server.exited).toBe(0);
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
    const messages = server.logs.map((entry) => entry.msg);
    expect(messages).toContain('shutting down: draining in-flight requests');
    expect(server.logs.find((entry) => entry.msg === 'stopped')).toMatchObject({ forced: false });
  });

  it('Should exit non-zero with the reason when the repository is unusable', async () => {
    const server = await startProcess({ MODEL_REPOSITORY: path.join(PACKAGE_ROOT, 'src') });
    started.push(server);
    expect(await server.exited).toBe(1);
    expect(server.logs.find((entry) => entry.msg === 'startup failed')).toMatchObject({
      level: 'fatal',
      err: { message: expect.stringMatching(/has no models/) },
    });
  });

  it('Should refuse invalid settings before doing anything', async () => {
    const child = spawn(process.execPath, [path.join(OUTDIR, 'index.js')], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      level: 'fatal',
      msg: 'invalid settings',
      err: { message: expect.stringMatching(/invalid environment: PORT/) },
    });
  });
});
