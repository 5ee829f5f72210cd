import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { type AppConfig, createApp } from '../../src/app.js';
import { type DetectionDatabase, openDatabase } from '../../src/db/client.js';
import type { ModelClient } from '../../src/inference/model-client.js';
import { RestModelClient } from '../../src/inference/rest-model-client.js';
import { createMetrics } from '../../src/metrics.js';
import { FsBlobStorage } from '../../src/storage/fs-storage.js';
import type { BlobStorage } from '../../src/storage/storage.js';
import { closedPort } from './processes.js';
import { listFilesRecursively, makeTempDir } from './temp-dir.js';

export { closedPort };

export interface TestAppOptions {
  config?: Partial<AppConfig>;
  modelServerUrl?: string;
  retryDeadlineMs?: number;
  requestTimeoutMs?: number;
  storage?: BlobStorage;
  databasePath?: string;
  /** Replaces the REST client to `modelServerUrl` (e.g. a GrpcModelClient). */
  modelClient?: (onRetry: () => void) => ModelClient;
}

export async function createTestApp(options: TestAppOptions = {}) {
  const dir = await makeTempDir('backend-app-');
  const imagesDir = path.join(dir, 'images');
  const db: DetectionDatabase = openDatabase(options.databasePath ?? path.join(dir, 'detections.sqlite'));
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
    ...options.config,
  };
  const built = createApp({ db, storage, modelClient, metrics, logger: pino({ level: 'silent' }), config });
  return {
    ...built,
    db,
    dir,
    imagesDir,
    storage,
    metrics,
    modelServerUrl,
    /** Rows in each table and files in the image directory: what "nothing was stored" is checked against. */
    async stored() {
      const count = (table: string) =>
        (db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      return {
        images: count('images'),
        runs: count('detection_runs'),
        objects: count('objects'),
        files: await listFilesRecursively(imagesDir),
      };
    },
    async close() {
      modelClient.close();
      db.$client.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
