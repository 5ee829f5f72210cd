import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFilesRecursively, makeTempDir } from '../test/support/temp-dir.js';
import { closedPort } from '../test/support/test-app.js';
import { databaseSettings, jwtSettings, parseEnv, videoConfig } from './env.js';
import { type RunningServer, startServer } from './server.js';

describe('startServer', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = await makeTempDir('backend-server-');
    await fs.mkdir(path.join(dir, 'images', 'images', 'cc'), { recursive: true });
    // Looks like one of the backend's blobs, but no database row or pending record names it.
    await fs.writeFile(path.join(dir, 'images', 'images', 'cc', 'c'.repeat(64)), 'someone else’s file');
    const env = parseEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'db', 'detections.sqlite'),
      STORAGE_DIR: path.join(dir, 'images'),
      MODEL_SERVER_URL: `http://127.0.0.1:${await closedPort()}`,
      WEB_UI_DIR: path.join(dir, 'web'),
    });
    server = await startServer(env, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should migrate the database, leave files it has no record of alone and answer over HTTP', async () => {
    expect(await listFilesRecursively(path.join(dir, 'images'))).toEqual([`images/cc/${'c'.repeat(64)}`]);
    const files = await fs.readdir(path.join(dir, 'db'));
    expect(files).toEqual(expect.arrayContaining(['detections.sqlite', 'detections.sqlite-wal']));
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    const list = await fetch(`${server.url}/images`);
    expect(await list.json()).toEqual({ images: [], next_cursor: null, total: { count: 0, exact: true } });
  });
});

describe('parseEnv', () => {
  it('Should apply the documented defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      MODEL_SERVER_URL: 'http://127.0.0.1:8080',
      MODEL_SERVER_PROTOCOL: 'rest',
      MODEL_SERVER_GRPC_ADDRESS: '127.0.0.1:8081',
      DEFAULT_MODEL: 'centernet-coco',
      DATABASE_PATH: './data/detections.sqlite',
      STORAGE_BACKEND: 'fs',
      STORAGE_DIR: './data/images',
      MAX_UPLOAD_BYTES: 20_971_520,
      MAX_IMAGE_PIXELS: 40_000_000,
      API_TOKENS: [],
      URL_FETCH_ALLOW_PRIVATE: false,
      MODEL_REQUEST_TIMEOUT_MS: 30_000,
      MODEL_RETRY_DEADLINE_MS: 120_000,
      LOG_LEVEL: 'info',
    });
    expect(env.WEB_UI_DIR).toMatch(/services\/web\/dist$/);
  });

  it('Should parse lists and booleans', () => {
    const env = parseEnv({
      API_TOKENS: ' a , b,,c ',
      URL_FETCH_ALLOW_PRIVATE: 'true',
      S3_FORCE_PATH_STYLE: '1',
    });
    expect(env.API_TOKENS).toEqual(['a', 'b', 'c']);
    expect(env.URL_FETCH_ALLOW_PRIVATE).toBe(true);
    expect(env.S3_FORCE_PATH_STYLE).toBe(true);
  });

  it('Should read the gRPC protocol and address of the model server', () => {
    expect(
      parseEnv({ MODEL_SERVER_PROTOCOL: 'grpc', MODEL_SERVER_GRPC_ADDRESS: 'model-server.detection:8081' }),
    ).toMatchObject({
      MODEL_SERVER_PROTOCOL: 'grpc',
      MODEL_SERVER_GRPC_ADDRESS: 'model-server.detection:8081',
    });
    expect(parseEnv({ MODEL_SERVER_GRPC_ADDRESS: '[::1]:9091' }).MODEL_SERVER_GRPC_ADDRESS).toBe(
      '[::1]:9091',
    );
    expect(() =>
      parseEnv({ MODEL_SERVER_PROTOCOL: 'http2', MODEL_SERVER_GRPC_ADDRESS: 'grpc://x:1' }),
    ).toThrow(/MODEL_SERVER_PROTOCOL[\s\S]*MODEL_SERVER_GRPC_ADDRESS: host:port/);
  });

  it('Should fail fast listing every invalid variable', () => {
    expect(() => parseEnv({ PORT: 'eighty', MODEL_SERVER_URL: 'ftp://x' })).toThrow(
      /PORT[\s\S]*MODEL_SERVER_URL/,
    );
    expect(() => parseEnv({ STORAGE_BACKEND: 's3' })).toThrow(/S3_BUCKET: S3_BUCKET is required/);
  });

  it('Should parse the video settings: one worker and 2 fps by default, and refuse bad values', () => {
    expect(videoConfig(parseEnv({}))).toMatchObject({
      workers: 1,
      defaultSampleFps: 2,
      maxBytes: 209_715_200,
      maxSeconds: 600,
      maxPixels: 8_294_400,
      frameConcurrency: 4,
      leaseMs: 30_000,
    });
    expect(videoConfig(parseEnv({ VIDEO_WORKERS: '0', FFMPEG_PATH: '/usr/bin/ffmpeg' }))).toMatchObject({
      workers: 0,
      ffmpegPath: '/usr/bin/ffmpeg',
    });
    expect(() => parseEnv({ VIDEO_WORKERS: '-1', VIDEO_DEFAULT_FPS: '0', VIDEO_JOB_LEASE_MS: '10' })).toThrow(
      /VIDEO_WORKERS[\s\S]*VIDEO_DEFAULT_FPS[\s\S]*VIDEO_JOB_LEASE_MS/,
    );
  });

  it('Should read the deployment settings: local by default, Kubernetes only with the models it may deploy', () => {
    expect(parseEnv({})).toMatchObject({
      DEPLOYMENT_TARGET: 'local',
      DEPLOY_READY_DEADLINE_MS: 300_000,
      DEPLOY_POLL_INTERVAL_MS: 1_000,
      DEPLOY_RUNTIME: 'detection-onnx',
    });
    expect(() => parseEnv({ DEPLOYMENT_TARGET: 'kubernetes' })).toThrow(/DEPLOY_MODELS: is required/);
    expect(() => parseEnv({ DEPLOY_MODELS: 'blazeface,Blaze_Face' })).toThrow(
      /DEPLOY_MODELS: must be model names/,
    );
    expect(() => parseEnv({ DEPLOYMENT_TARGET: 'cloud' })).toThrow(/DEPLOYMENT_TARGET/);
    expect(() =>
      parseEnv({
        DEPLOYMENT_TARGET: 'kubernetes',
        DEPLOY_MODELS: 'blazeface',
        MODEL_SERVER_PROTOCOL: 'grpc',
      }),
    ).toThrow(/MODEL_SERVER_PROTOCOL: must be rest with DEPLOYMENT_TARGET=kubernetes/);
    expect(() => parseEnv({ DEPLOY_NAMESPACE: 'Not_A_Namespace' })).toThrow(/DEPLOY_NAMESPACE/);
    expect(() => parseEnv({ DEPLOY_READY_DEADLINE_MS: '10' })).toThrow(/DEPLOY_READY_DEADLINE_MS/);
    expect(() => parseEnv({ DEPLOY_STORAGE_URI: 'ftp://models' })).toThrow(/DEPLOY_STORAGE_URI/);
    expect(() => parseEnv({ DEPLOY_TEMPLATE: 'Detector' })).toThrow(/DEPLOY_TEMPLATE: must be the name/);
    // Without a storage URI the predictors serve the repository baked into the runtime's image.
    const baked = parseEnv({ DEPLOYMENT_TARGET: 'kubernetes', DEPLOY_MODELS: 'blazeface' });
    expect([baked.DEPLOY_STORAGE_URI, baked.DEPLOY_MODELS]).toEqual([undefined, ['blazeface']]);
    expect(
      parseEnv({
        DEPLOYMENT_TARGET: 'kubernetes',
        DEPLOY_STORAGE_URI: 'pvc://models',
        DEPLOY_NAMESPACE: 'detection',
        DEPLOY_MODELS: 'centernet-coco, blazeface',
      }),
    ).toMatchObject({
      DEPLOYMENT_TARGET: 'kubernetes',
      DEPLOY_STORAGE_URI: 'pvc://models',
      DEPLOY_MODELS: ['centernet-coco', 'blazeface'],
    });
  });

  it('Should choose SQLite on DATABASE_PATH by default and PostgreSQL when DATABASE_URL is set', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      DATABASE_POOL_MAX: 10,
      UPLOAD_GRACE_PERIOD_MS: 900_000,
      BLOB_SWEEP_INTERVAL_MS: 60_000,
      BLOB_SWEEP_BATCH_SIZE: 100,
      API_TOKEN_PERMISSIONS: ['read', 'detect', 'admin'],
      ADMIN_TOKENS: [],
    });
    expect(env.REPLICA_ID).toMatch(/-\d+$/);
    expect(databaseSettings(env)).toEqual({ dialect: 'sqlite', path: './data/detections.sqlite' });
    expect(jwtSettings(env)).toBeUndefined();
    const postgres = parseEnv({ DATABASE_URL: 'postgresql://app:pw@db:5432/app', REPLICA_ID: 'pod-1' });
    expect(databaseSettings(postgres)).toEqual({
      dialect: 'postgres',
      url: 'postgresql://app:pw@db:5432/app',
      poolMax: 10,
      applicationName: 'detection-backend pod-1',
    });
    expect(() => parseEnv({ DATABASE_URL: 'mysql://db/app' })).toThrow(/DATABASE_URL/);
  });

  it('Should refuse a grace period shorter than an upload can take, and an S3_PREFIX that is not a folder', () => {
    expect(() => parseEnv({ UPLOAD_GRACE_PERIOD_MS: '60000' })).toThrow(
      /UPLOAD_GRACE_PERIOD_MS: must be longer/,
    );
    expect(
      parseEnv({ UPLOAD_GRACE_PERIOD_MS: '60000', MODEL_RETRY_DEADLINE_MS: '0' }).UPLOAD_GRACE_PERIOD_MS,
    ).toBe(60_000);
    for (const prefix of ['../x/', '/abs/', 'a//b/', 'a b/'])
      expect(() => parseEnv({ S3_PREFIX: prefix }), prefix).toThrow(/S3_PREFIX/);
    expect(parseEnv({ S3_PREFIX: 'team-a/detections/' }).S3_PREFIX).toBe('team-a/detections/');
  });
});
