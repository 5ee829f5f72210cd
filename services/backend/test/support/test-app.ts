import fs from 'node:fs/promises';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { type AppConfig, createApp, type VideoConfig } from '../../src/app.js';
import type { DatabaseOptions } from '../../src/db/database.js';
import type { Dialect } from '../../src/db/migrations-folder.js';
import { LocalDeploymentTarget } from '../../src/deployments/local-target.js';
import type { ModelClient } from '../../src/inference/model-client.js';
import { RestModelClient } from '../../src/inference/rest-model-client.js';
import { createMetrics } from '../../src/metrics.js';
import { FsBlobStorage } from '../../src/storage/fs-storage.js';
import type { BlobStorage } from '../../src/storage/storage.js';
import { countRows, openTestDatabase } from './database.js';
import { closedPort } from './processes.js';
import { listFilesRecursively, makeTempDir } from './temp-dir.js';

export { closedPort };

export interface TestAppOptions {
  config?: Partial<Omit<AppConfig, 'video'>> & { video?: Partial<VideoConfig> };
  modelServerUrl?: string;
  retryDeadlineMs?: number;
  requestTimeoutMs?: number;
  storage?: BlobStorage;
  /** SQLite (default) in the test's temp folder, or a new database on the run's PostgreSQL server. */
  dialect?: Dialect;
  /** Sees every SQL statement the app runs (the query-plan test). */
  queryLogger?: DatabaseOptions['queryLogger'];
  /** Replaces the REST client to `modelServerUrl` (e.g. a GrpcModelClient). */
  modelClient?: (onRetry: () => void) => ModelClient;
  logger?: Logger;
}

export async function createTestApp(options: TestAppOptions = {}) {
  const dir = await makeTempDir('backend-app-');
  const imagesDir = path.join(dir, 'images');
  const database = await openTestDatabase(
    options.dialect ?? 'sqlite',
    dir,
    options.queryLogger ? { queryLogger: options.queryLogger } : {},
  );
  const storage = options.storage ?? new FsBlobStorage(imagesDir);
  const modelServerUrl = options.modelServerUrl ?? `http://127.0.0.1:${await closedPort()}`;
  const metrics = createMetrics();
  const onRetry = () => metrics.modelRetries.inc();
  const modelClient =
    options.modelClient?.(onRetry) ??
    new RestModelClient({
      baseUrl: modelServerUrl,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retryDeadlineMs: options.retryDeadlineMs ?? 0,
      onRetry,
    });
  const config: AppConfig = {
    defaultModel: 'centernet-coco',
    maxUploadBytes: 2 * 1024 * 1024,
    maxImagePixels: 40_000_000,
    apiTokens: [],
    urlFetch: { allowPrivate: false, timeoutMs: 5_000 },
    webUiDir: path.join(dir, 'no-web-ui'),
    replicaId: 'test-replica',
    uploadGracePeriodMs: 900_000,
    admission: {
      uploads: { maxInFlight: 4, maxQueued: 16, queueTimeoutMs: 30_000 },
      videoUploads: { maxInFlight: 1, maxQueued: 16, queueTimeoutMs: 30_000 },
      detections: { maxInFlight: 4, maxQueued: 16, queueTimeoutMs: 30_000 },
      annotations: { maxInFlight: 2, maxQueued: 16, queueTimeoutMs: 30_000 },
    },
    annotatedMaxSide: 2048,
    corsOrigins: [],
    deployments: { readyDeadlineMs: 60_000, pollIntervalMs: 50 },
    ...options.config,
    video: {
      maxBytes: 20 * 1024 * 1024,
      maxSeconds: 120,
      maxPixels: 8_294_400,
      defaultSampleFps: 2,
      workers: 1,
      frameConcurrency: 4,
      leaseMs: 30_000,
      maxAttempts: 3,
      pollIntervalMs: 100,
      eventsPollMs: 100,
      eventsKeepAliveMs: 15_000,
      tempDir: dir,
      stallTimeoutMs: 30_000,
      probeTimeoutMs: 30_000,
      ...options.config?.video,
    },
  };
  const built = createApp({
    database,
    storage,
    modelClient,
    deploymentTarget: new LocalDeploymentTarget({ modelServerUrl, requestTimeoutMs: 60_000 }),
    metrics,
    logger: options.logger ?? pino({ level: 'silent' }),
    config,
  });
  return {
    ...built,
    database,
    dir,
    imagesDir,
    storage,
    metrics,
    modelServerUrl,
    /** Rows in each table and files in the image directory: what "nothing was stored" is checked against. */
    async stored() {
      return {
        images: await countRows(database, 'images'),
        runs: await countRows(database, 'detection_runs'),
        objects: await countRows(database, 'objects'),
        files: await listFilesRecursively(imagesDir),
      };
    },
    /** Video rows and blobs, and pending-blob rows: what "nothing left behind" is checked against for videos. */
    async storedVideos() {
      return {
        videos: await countRows(database, 'videos'),
        jobs: await countRows(database, 'video_jobs'),
        frames: await countRows(database, 'video_frames'),
        pendingBlobs: await countRows(database, 'pending_blobs'),
        files: (await listFilesRecursively(imagesDir)).filter((file) => file.startsWith('videos')),
      };
    },
    async close() {
      await built.videoWorkers.stop();
      await built.deployments.close();
      modelClient.close();
      await database.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
