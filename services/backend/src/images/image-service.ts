import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { DetectionRunRow, ImageRow, NewObjectRow } from '../db/schema.js';
import { ApiError } from '../errors.js';
import {
  type DetectResult,
  failureStatus,
  type ModelClient,
  ModelServerError,
} from '../inference/model-client.js';
import type { Metrics } from '../metrics.js';
import { type BlobStorage, imageStorageKey } from '../storage/storage.js';
import { toObjectRows } from './detections.js';
import { extensionOf } from './image-format.js';
import { type ProbedImage, probeImage } from './image-probe.js';
import { DuplicateImageError, type ImageRepository, type ImageWithRun } from './image-repository.js';
import { KeyedLock } from './keyed-lock.js';

export interface DetectionOptions {
  model?: string | undefined;
  scoreThreshold?: number | undefined;
}

export interface ImageInput {
  bytes: Uint8Array;
  /** Already validated display name; `null` to derive one from the format. */
  filename: string | null;
  sourceUrl?: string | undefined;
}

export interface UploadResult extends ImageWithRun {
  objects: NewObjectRow[];
  /** Where the time went, for `Server-Timing`: validation (probe, hash, duplicate check), model, blob + rows. */
  timings: { validateMs?: number; modelMs: number; storeMs?: number };
}

export interface DetectOnlyResult {
  probed: ProbedImage;
  modelName: string;
  modelVersion: string | null;
  objects: NewObjectRow[];
  timings: { modelMs: number };
}

export interface ImageServiceDependencies {
  repository: ImageRepository;
  storage: BlobStorage;
  modelClient: ModelClient;
  metrics: Metrics;
  logger: Logger;
  defaultModel: string;
  maxImagePixels: number;
}

/** The upload pipeline: validate, detect, store the blob, then write all rows in one transaction. */
export class ImageService {
  /** Keeps "write blob + insert rows" and "delete rows + delete blob" of one image id from interleaving. */
  private readonly blobLock = new KeyedLock();

  constructor(private readonly deps: ImageServiceDependencies) {}

  /**
   * Validates, then (holding the image id's lock) writes the blob while the model runs, and commits all rows in one
   * transaction once both are done. The blob is durable before any row points at it; a model rejection (4xx) or a
   * failed blob write removes the blob again, so nothing is left behind.
   */
  async upload(input: ImageInput, options: DetectionOptions, requestId: string): Promise<UploadResult> {
    const started = performance.now();
    const probed = await probeImage(input.bytes, this.deps.maxImagePixels);
    const imageId = createHash('sha256').update(input.bytes).digest('hex');
    if (this.deps.repository.exists(imageId)) throw duplicate(imageId);
    const validateMs = performance.now() - started;

    const model = options.model ?? this.deps.defaultModel;
    const runId = randomUUID();
    const createdAt = Date.now();
    const storageKey = imageStorageKey(imageId);
    const image = {
      id: imageId,
      filename: input.filename ?? `upload.${extensionOf[probed.format]}`,
      contentType: probed.contentType,
      width: probed.width,
      height: probed.height,
      sizeBytes: input.bytes.byteLength,
      storageKey,
      sourceUrl: input.sourceUrl ?? null,
      createdAt,
      updatedAt: createdAt,
    };

    return this.blobLock.run(imageId, async () => {
      // A concurrent upload of the same bytes may have finished while this one waited for the lock.
      if (this.deps.repository.exists(imageId)) throw duplicate(imageId);
      const [blob, detection] = await Promise.allSettled([
        this.putBlob(storageKey, input.bytes, probed.contentType),
        this.detect(input.bytes, model, options.scoreThreshold, requestId),
      ]);
      const storeStarted = performance.now();
      const removeBlob = () => this.removeBlobQuietly(storageKey);

      if (blob.status === 'rejected') {
        await removeBlob();
        throw blob.reason;
      }
      if (detection.status === 'rejected') {
        const error: unknown = detection.reason;
        if (!(error instanceof ModelServerError) || error.failure === 'rejected') {
          await removeBlob();
          throw this.toApiError(error, model);
        }
        const run = failedRun(runId, imageId, model, options.scoreThreshold, error, createdAt);
        this.insertOrRollBack({ ...image, status: 'failed', error: error.message }, run, [], removeBlob);
        this.deps.metrics.imagesStored.inc({ status: 'failed' });
        throw this.toApiError(error, model, { image_id: imageId, status: 'failed' });
      }

      const result = detection.value;
      const found = toObjectRows(result.detections, image, runId);
      const run = completedRun(runId, imageId, result, options.scoreThreshold, found.length, createdAt);
      const stored: ImageRow = { ...image, status: 'completed', error: null, currentRunId: runId };
      this.insertOrRollBack(stored, run, found, removeBlob);
      this.deps.metrics.imagesStored.inc({ status: 'completed' });
      return this.completed(stored, run, found, result.modelName, {
        validateMs,
        modelMs: result.inferenceMs,
        storeMs: performance.now() - storeStarted,
      });
    });
  }

  /** Runs detection again for a stored image and replaces its objects atomically. */
  async redetect(imageId: string, options: DetectionOptions, requestId: string): Promise<UploadResult> {
    const existing = this.deps.repository.find(imageId);
    if (!existing) throw new ApiError(404, `image ${imageId} not found`);
    const bytes = await this.readBlob(existing.image);
    const model = options.model ?? this.deps.defaultModel;
    const runId = randomUUID();
    const startedAt = Date.now();
    let result: DetectResult;
    try {
      result = await this.detect(bytes, model, options.scoreThreshold, requestId);
    } catch (error) {
      if (!(error instanceof ModelServerError) || error.failure === 'rejected')
        throw this.toApiError(error, model);
      const status = this.deps.repository.recordFailedRun(
        imageId,
        failedRun(runId, imageId, model, options.scoreThreshold, error, startedAt),
        Date.now(),
      );
      throw this.toApiError(error, model, { image_id: imageId, status: status ?? 'failed' });
    }
    const found = toObjectRows(result.detections, existing.image, runId);
    const run = completedRun(runId, imageId, result, options.scoreThreshold, found.length, startedAt);
    const stored = this.deps.repository.replaceDetections(imageId, run, found, Date.now());
    if (!stored) throw new ApiError(404, `image ${imageId} was deleted while detection ran`);
    return this.completed(stored, run, found, result.modelName, { modelMs: result.inferenceMs });
  }

  /** The answer for a stored detection run, counted in the metrics. */
  private completed(
    image: ImageRow,
    run: DetectionRunRow,
    objects: NewObjectRow[],
    modelName: string,
    timings: UploadResult['timings'],
  ): UploadResult {
    this.deps.metrics.detectedObjects.inc({ model: modelName }, objects.length);
    return { image, run, objectCount: objects.length, objects, timings };
  }

  /** Detection without storing anything. */
  async detectOnly(
    input: ImageInput,
    options: DetectionOptions,
    requestId: string,
  ): Promise<DetectOnlyResult> {
    const probed = await probeImage(input.bytes, this.deps.maxImagePixels);
    const model = options.model ?? this.deps.defaultModel;
    let result: DetectResult;
    try {
      result = await this.detect(input.bytes, model, options.scoreThreshold, requestId);
    } catch (error) {
      throw this.toApiError(error, model);
    }
    const found = toObjectRows(result.detections, { id: '', ...probed }, '');
    return {
      probed,
      modelName: result.modelName,
      modelVersion: result.modelVersion,
      objects: found,
      timings: { modelMs: result.inferenceMs },
    };
  }

  /** The stored bytes of an image row; a row whose blob is gone is a server-side fault (500). */
  async readBlob(image: ImageRow): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await this.deps.storage.get(image.storageKey);
    if (!bytes) throw new ApiError(500, `the stored file of image ${image.id} is missing`);
    return bytes;
  }

  /** Removes the rows first (one statement, cascading), then the blob; a crash in between leaves only an orphan blob. */
  async delete(imageId: string): Promise<void> {
    await this.blobLock.run(imageId, async () => {
      const storageKey = this.deps.repository.delete(imageId);
      if (storageKey === null) throw new ApiError(404, `image ${imageId} not found`);
      await this.removeBlobQuietly(storageKey);
    });
  }

  /** Deletes blobs that no image row points at (left by a crash between the blob write and the transaction). */
  async removeOrphanBlobs(): Promise<string[]> {
    const referenced = this.deps.repository.storageKeys();
    const removed: string[] = [];
    for await (const key of this.deps.storage.list()) {
      if (referenced.has(key)) continue;
      await this.deps.storage.delete(key);
      removed.push(key);
    }
    if (removed.length > 0) this.deps.logger.info({ count: removed.length }, 'removed orphan blobs');
    return removed;
  }

  private async detect(
    bytes: Uint8Array,
    model: string,
    scoreThreshold: number | undefined,
    requestId: string,
  ): Promise<DetectResult> {
    try {
      const result = await this.deps.modelClient.detect(bytes, { model, scoreThreshold, requestId });
      this.deps.metrics.modelRequests.inc({ model, outcome: 'ok' });
      this.deps.metrics.modelDuration.observe({ model }, result.inferenceMs / 1000);
      return result;
    } catch (error) {
      const outcome = error instanceof ModelServerError ? error.failure : 'error';
      this.deps.metrics.modelRequests.inc({ model, outcome });
      throw error;
    }
  }

  private async putBlob(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.deps.storage.put(key, bytes, contentType);
    } catch (error) {
      this.deps.logger.error({ err: error, key }, 'blob write failed');
      throw new ApiError(
        503,
        `image storage (${this.deps.storage.kind}) is unavailable; nothing was stored`,
        {},
        {
          cause: error,
        },
      );
    }
  }

  private insertOrRollBack(
    image: Parameters<ImageRepository['insertImage']>[0],
    run: DetectionRunRow,
    found: NewObjectRow[],
    removeBlob: () => Promise<void>,
  ): void {
    try {
      this.deps.repository.insertImage(image, run, found);
    } catch (error) {
      // A duplicate was inserted by another process sharing the database: the blob is theirs too.
      if (error instanceof DuplicateImageError) throw duplicate(error.imageId);
      void removeBlob();
      throw error;
    }
  }

  private async removeBlobQuietly(storageKey: string): Promise<void> {
    try {
      await this.deps.storage.delete(storageKey);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, storageKey },
        'blob cleanup failed; it will be removed as an orphan',
      );
    }
  }

  private toApiError(error: unknown, model: string, details: Record<string, unknown> = {}): Error {
    if (!(error instanceof ModelServerError)) return error as Error;
    if (error.failure === 'rejected') {
      if (error.upstreamStatus === 404) {
        return new ApiError(400, `model "${model}" is not available on the model server (${error.message})`);
      }
      if (error.upstreamStatus === 413)
        return new ApiError(413, `the model server refused the image: ${error.message}`);
      return new ApiError(422, `the model server could not process the image: ${error.message}`);
    }
    return new ApiError(failureStatus[error.failure], `detection failed: ${error.message}`, details, {
      cause: error,
    });
  }
}

function duplicate(imageId: string): ApiError {
  return new ApiError(409, `this image was already uploaded as ${imageId}`, { image_id: imageId });
}

function completedRun(
  id: string,
  imageId: string,
  result: DetectResult,
  scoreThreshold: number | undefined,
  objectCount: number,
  createdAt: number,
): DetectionRunRow {
  return {
    id,
    imageId,
    modelName: result.modelName,
    modelVersion: result.modelVersion,
    scoreThreshold: scoreThreshold ?? null,
    status: 'completed',
    error: null,
    objectCount,
    attempts: result.attempts,
    inferenceMs: Math.round(result.inferenceMs * 100) / 100,
    createdAt,
  };
}

function failedRun(
  id: string,
  imageId: string,
  model: string,
  scoreThreshold: number | undefined,
  error: ModelServerError,
  createdAt: number,
): DetectionRunRow {
  return {
    id,
    imageId,
    modelName: model,
    modelVersion: null,
    scoreThreshold: scoreThreshold ?? null,
    status: 'failed',
    error: error.message,
    objectCount: 0,
    attempts: error.attempts,
    inferenceMs: 0,
    createdAt,
  };
}
