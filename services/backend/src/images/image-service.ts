import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type BlobReservation,
  DuplicateImageError,
  type ImageRepository,
  type ImageWithRun,
  ReservationLostError,
} from '../db/image-repository.js';
import type { PendingBlobRepository } from '../db/pending-blob-repository.js';
import type { DetectionRunRow, ImageRow, NewImageRow, NewObjectRow } from '../db/records.js';
import { ApiError } from '../errors.js';
import {
  type DetectResult,
  failureStatus,
  type ModelClient,
  ModelServerError,
} from '../inference/model-client.js';
import type { RouteModel } from '../inference/model-route.js';
import type { Metrics } from '../metrics.js';
import { newImageStorageKey } from '../storage/image-keys.js';
import type { BlobStorage } from '../storage/storage.js';
import { BlobDisposal } from './blob-disposal.js';
import { assertDecodable } from './decoding-policy.js';
import { toObjectRows } from './detections.js';
import { extensionOf } from './image-format.js';
import { type ProbedImage, probeImage } from './image-probe.js';

export interface DetectionOptions {
  model?: string | undefined;
  scoreThreshold?: number | undefined;
  /** Who asks (routes/client-key.ts): during a canary, one key always gets the same version. */
  clientKey?: string | undefined;
}

export interface ImageInput {
  bytes: Uint8Array;
  /** Already validated display name; `null` to derive one from the format. */
  filename: string | null;
  sourceUrl?: string | undefined;
}

export interface UploadResult extends ImageWithRun {
  objects: NewObjectRow[];
  /**
   * Where the time went, for `Server-Timing`: reading the stored image (re-detection), validation (probe, hash,
   * duplicate check; uploads), the model server round trip, and the blob and rows written after it.
   */
  timings: { readMs?: number; validateMs?: number; modelMs: number; storeMs: number };
}

export interface DetectOnlyResult {
  probed: ProbedImage;
  modelName: string;
  modelVersion: string | null;
  objects: NewObjectRow[];
  timings: { validateMs: number; modelMs: number };
}

export interface ImageServiceDependencies {
  repository: ImageRepository;
  pendingBlobs: PendingBlobRepository;
  storage: BlobStorage;
  modelClient: ModelClient;
  metrics: Metrics;
  logger: Logger;
  defaultModel: string;
  maxImagePixels: number;
  /** Names this process in the pending-blob rows it writes. */
  replicaId: string;
  /** How long an upload's blob may exist without its image row before the sweeper may delete it. */
  uploadGracePeriodMs: number;
  /**
   * Where a detection with this model goes: its deployment's version (by the traffic split) and, on Kubernetes,
   * its own endpoint; undefined without a deployment (the model server's highest version at MODEL_SERVER_URL).
   */
  route?: RouteModel;
}

/**
 * The upload pipeline: validate, record the blob as pending, write it while the model runs, then commit all rows
 * (and drop the pending record) in one transaction. Nothing relies on this process being the only writer: a
 * duplicate is refused by the database's primary key, and every blob is either owned by an image row or listed
 * in `pending_blobs`, whatever crashes when.
 */
export class ImageService {
  private readonly blobs: BlobDisposal;

  constructor(private readonly deps: ImageServiceDependencies) {
    this.blobs = new BlobDisposal(deps);
  }

  /**
   * The blob goes to a key of its own (a concurrent upload of the same bytes on another replica writes another),
   * recorded in `pending_blobs` before it is written. Success commits the rows and removes that record in one
   * transaction; a model rejection (4xx), a failed blob write, a duplicate or a failed transaction deletes the blob
   * again; a crash leaves the record, and the sweeper deletes the blob once the grace period has passed.
   */
  async upload(input: ImageInput, options: DetectionOptions, requestId: string): Promise<UploadResult> {
    const started = performance.now();
    const probed = await probeImage(input.bytes, this.deps.maxImagePixels);
    const imageId = createHash('sha256').update(input.bytes).digest('hex');
    if (await this.deps.repository.exists(imageId)) throw duplicate(imageId);
    const validateMs = performance.now() - started;
    this.deps.logger.debug(
      {
        request_id: requestId,
        image_id: imageId,
        format: probed.format,
        width: probed.width,
        height: probed.height,
        bytes: input.bytes.byteLength,
        validate_ms: Math.round(validateMs * 10) / 10,
      },
      'upload validated',
    );

    const model = options.model ?? this.deps.defaultModel;
    const runId = randomUUID();
    const createdAt = Date.now();
    const reservation: BlobReservation = { storageKey: newImageStorageKey(imageId), token: randomUUID() };
    const image = {
      id: imageId,
      filename: input.filename ?? `upload.${extensionOf[probed.format]}`,
      contentType: probed.contentType,
      width: probed.width,
      height: probed.height,
      sizeBytes: input.bytes.byteLength,
      storageKey: reservation.storageKey,
      sourceUrl: input.sourceUrl ?? null,
      createdAt,
      updatedAt: createdAt,
    };

    await this.blobs.reserve(reservation, createdAt);
    const [blob, detection] = await Promise.allSettled([
      this.putBlob(reservation.storageKey, input.bytes, probed.contentType),
      this.detect(input.bytes, model, options, requestId),
    ]);
    const storeStarted = performance.now();

    if (blob.status === 'rejected') {
      await this.blobs.discard(reservation.storageKey);
      throw blob.reason;
    }
    if (detection.status === 'rejected') {
      const error: unknown = detection.reason;
      if (!isKeptAsFailed(error)) {
        await this.blobs.discard(reservation.storageKey);
        await this.refuseUndecodable(input.bytes, probed, error);
        throw this.toApiError(error, model);
      }
      // Stored without detections only if it can be drawn and detected later: the model server never decoded it.
      await this.refuseUndecodable(input.bytes, probed, error).catch(async (undecodable: unknown) => {
        await this.blobs.discard(reservation.storageKey);
        throw undecodable;
      });
      const run = failedRun(runId, imageId, model, options.scoreThreshold, error, createdAt);
      await this.commit({ ...image, status: 'failed', error: error.message }, run, [], reservation);
      this.deps.metrics.imagesStored.inc({ status: 'failed' });
      throw this.toApiError(error, model, { image_id: imageId, status: 'failed' });
    }

    const result = detection.value;
    const found = toObjectRows(result.detections, image, runId);
    const run = completedRun(runId, imageId, result, options.scoreThreshold, found.length, createdAt);
    const stored: ImageRow = { ...image, status: 'completed', error: null, currentRunId: runId };
    await this.commit(stored, run, found, reservation);
    this.deps.metrics.imagesStored.inc({ status: 'completed' });
    this.deps.logger.debug(
      {
        request_id: requestId,
        image_id: imageId,
        run_id: runId,
        objects: found.length,
        storage_key: reservation.storageKey,
      },
      'image, detection run and objects stored',
    );
    return this.completed(stored, run, found, result.modelName, {
      validateMs,
      modelMs: result.inferenceMs,
      storeMs: performance.now() - storeStarted,
    });
  }

  /** Runs detection again for a stored image and replaces its objects atomically. */
  async redetect(imageId: string, options: DetectionOptions, requestId: string): Promise<UploadResult> {
    const existing = await this.deps.repository.find(imageId);
    if (!existing) throw new ApiError(404, `image ${imageId} not found`);
    const readStarted = performance.now();
    const bytes = await this.readBlob(existing.image);
    const readMs = performance.now() - readStarted;
    const model = options.model ?? this.deps.defaultModel;
    const runId = randomUUID();
    const startedAt = Date.now();
    let result: DetectResult;
    try {
      result = await this.detect(bytes, model, options, requestId);
    } catch (error) {
      if (!isKeptAsFailed(error)) throw this.toApiError(error, model);
      const status = await this.deps.repository.recordFailedRun(
        imageId,
        failedRun(runId, imageId, model, options.scoreThreshold, error, startedAt),
        Date.now(),
      );
      throw this.toApiError(error, model, { image_id: imageId, status: status ?? 'failed' });
    }
    const storeStarted = performance.now();
    const found = toObjectRows(result.detections, existing.image, runId);
    const run = completedRun(runId, imageId, result, options.scoreThreshold, found.length, startedAt);
    const stored = await this.deps.repository.replaceDetections(imageId, run, found, Date.now());
    if (!stored) throw new ApiError(404, `image ${imageId} was deleted while detection ran`);
    return this.completed(stored, run, found, result.modelName, {
      readMs,
      modelMs: result.inferenceMs,
      storeMs: performance.now() - storeStarted,
    });
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
    const started = performance.now();
    const probed = await probeImage(input.bytes, this.deps.maxImagePixels);
    const validateMs = performance.now() - started;
    const model = options.model ?? this.deps.defaultModel;
    let result: DetectResult;
    try {
      result = await this.detect(input.bytes, model, options, requestId);
    } catch (error) {
      await this.refuseUndecodable(input.bytes, probed, error);
      throw this.toApiError(error, model);
    }
    const found = toObjectRows(result.detections, { id: '', ...probed }, '');
    return {
      probed,
      modelName: result.modelName,
      modelVersion: result.modelVersion,
      objects: found,
      timings: { validateMs, modelMs: result.inferenceMs },
    };
  }

  /**
   * The stored bytes of an image row. A row whose blob is gone is a server-side fault (500), unless the image was
   * deleted meanwhile (404).
   */
  async readBlob(image: ImageRow): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = await this.deps.storage.get(image.storageKey);
    if (bytes) return bytes;
    if (!(await this.deps.repository.exists(image.id)))
      throw new ApiError(404, `image ${image.id} was deleted`);
    throw new ApiError(500, `the stored file of image ${image.id} is missing`);
  }

  /**
   * Deletes the rows and records the blob as pending deletion in one transaction, then deletes the blob. If that
   * fails the record stays, and the sweeper tries again later.
   */
  async delete(imageId: string): Promise<void> {
    const token = randomUUID();
    const storageKey = await this.deps.repository.delete(imageId, {
      owner: this.deps.replicaId,
      token,
      now: Date.now(),
    });
    if (storageKey === null) throw new ApiError(404, `image ${imageId} not found`);
    await this.blobs.remove(storageKey, token);
  }

  private async detect(
    bytes: Uint8Array,
    model: string,
    { scoreThreshold, clientKey }: DetectionOptions,
    requestId: string,
  ): Promise<DetectResult> {
    const log = { request_id: requestId, model, image_bytes: bytes.byteLength };
    try {
      const route = await this.deps.route?.(model, clientKey);
      const result = await this.deps.modelClient.detect(bytes, {
        model,
        ...route,
        scoreThreshold,
        requestId,
      });
      this.deps.metrics.modelRequests.inc({ model, outcome: 'ok' });
      this.deps.metrics.modelDuration.observe({ model }, result.inferenceMs / 1000);
      this.deps.logger.debug(
        {
          ...log,
          model_version: result.modelVersion,
          detections: result.detections.length,
          attempts: result.attempts,
          model_ms: Math.round(result.inferenceMs * 10) / 10,
        },
        'model server answered',
      );
      return result;
    } catch (error) {
      const outcome = error instanceof ModelServerError ? error.failure : 'error';
      this.deps.metrics.modelRequests.inc({ model, outcome });
      this.deps.logger.debug(
        {
          ...log,
          outcome,
          upstream_status: error instanceof ModelServerError ? error.upstreamStatus : null,
          attempts: error instanceof ModelServerError ? error.attempts : 1,
          err: error,
        },
        'model server call failed',
      );
      throw error;
    }
  }

  /**
   * After a failed model call: answers 400 when the image does not decode under the shared policy, so an undecodable
   * upload gets the same answer whether the model server refused it or was not there to look. Skipped when the model
   * server is overloaded: the client is told to come back, and decoding now would only add to the load.
   */
  private async refuseUndecodable(bytes: Uint8Array, probed: ProbedImage, failure: unknown): Promise<void> {
    if (failure instanceof ModelServerError && failure.failure === 'overloaded') return;
    await assertDecodable(bytes, probed.format, this.deps.maxImagePixels);
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

  /** Commits the rows of an upload; on any failure the upload's blob is deleted again. */
  private async commit(
    image: NewImageRow,
    run: DetectionRunRow,
    found: NewObjectRow[],
    reservation: BlobReservation,
  ): Promise<void> {
    try {
      await this.deps.repository.insertImage(image, run, found, reservation);
    } catch (error) {
      await this.blobs.discard(reservation.storageKey);
      // The same bytes were committed by another request (here or on another replica).
      if (error instanceof DuplicateImageError) throw duplicate(error.imageId);
      if (error instanceof ReservationLostError) {
        throw new ApiError(
          503,
          'the upload took longer than UPLOAD_GRACE_PERIOD_MS and was abandoned; nothing was stored',
          {},
          { cause: error },
        );
      }
      throw error;
    }
  }

  private toApiError(error: unknown, model: string, details: Record<string, unknown> = {}): Error {
    if (!(error instanceof ModelServerError)) return error as Error;
    if (error.failure === 'overloaded') {
      return new ApiError(
        503,
        `the model server is busy (${error.message}); nothing was stored, retry in ${error.retryAfterSeconds} s`,
        details,
        { cause: error, retryAfterSeconds: error.retryAfterSeconds },
      );
    }
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

/**
 * Failures after which an upload is kept with status "failed", to be detected later: the model server was not
 * there, too slow or confused. A refusal (4xx) or a full queue stores nothing.
 */
function isKeptAsFailed(error: unknown): error is ModelServerError {
  return error instanceof ModelServerError && error.failure !== 'rejected' && error.failure !== 'overloaded';
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
