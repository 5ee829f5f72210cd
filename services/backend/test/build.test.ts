import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendRoot, type ChildServer, startChildServer } from './support/processes.js';
import { makeTempDir } from './support/temp-dir.js';
import { closedPort } from './support/test-app.js';

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

  it('Should bundle into dist/index.js with the migrations and the gRPC protos next to it', () => {
    expect(fs.existsSync(path.join(backendRoot, 'dist/index.js'))).toBe(true);
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

  it('Should stop cleanly on SIGTERM', async () => {
    await server.stop();
    expect(server.process.exitCode).toBe(0);
  });
});
