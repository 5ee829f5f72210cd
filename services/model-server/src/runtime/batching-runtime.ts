import { NUMERIC_STORAGE } from '../inference/datatypes.js';
import type { NumericTensorData, TensorSpec } from '../inference/types.js';
import {
  bufferList,
  type ModelRuntime,
  type RuntimeRun,
  type RuntimeTensor,
  RuntimeUnavailableError,
} from './model-runtime.js';

/** Triton's `dynamic_batching` with the model's `max_batch_size`. */
export interface BatchingPolicy {
  maxBatchSize: number;
  /** How long the oldest waiting request may wait for others to join its batch. */
  maxQueueDelayMs: number;
  /** Sizes worth running at once; a batch leaves as soon as it reaches the largest one that fits. */
  preferredBatchSizes: readonly number[];
}

interface PendingRun {
  feeds: Record<string, RuntimeTensor>;
  fetches: readonly string[];
  /** Items along the leading dimension. */
  size: number;
  /** Runs with the same key can share one batch (same inputs, item shapes, datatypes and outputs). */
  key: string;
  enqueuedAt: number;
  resolve: (run: RuntimeRun) => void;
  reject: (error: Error) => void;
}

/** Leading-dimension size of the feeds when they can join a batch, else null (they then run alone). */
function batchItems(feeds: Record<string, RuntimeTensor>, maxBatchSize: number): number | null {
  let size: number | null = null;
  for (const tensor of Object.values(feeds)) {
    if (tensor.datatype === 'BYTES' || tensor.dims.length === 0) return null;
    const leading = tensor.dims[0]!;
    if (size !== null && leading !== size) return null;
    size = leading;
  }
  return size !== null && size >= 1 && size <= maxBatchSize ? size : null;
}

function batchKey(feeds: Record<string, RuntimeTensor>, fetches: readonly string[]): string {
  const inputs = Object.entries(feeds)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, tensor]) => `${name}:${tensor.datatype}:${tensor.dims.slice(1).join('x')}`);
  return `${inputs.join(',')}|${fetches.join(',')}`;
}

function concatenate(
  runs: readonly PendingRun[],
  name: string,
  total: number,
  feedBuffer: (byteLength: number) => ArrayBuffer,
): RuntimeTensor {
  const first = runs[0]!.feeds[name]!;
  const datatype = first.datatype as Exclude<RuntimeTensor['datatype'], 'BYTES'>;
  const Storage = NUMERIC_STORAGE[datatype];
  const itemLength = (first.data as NumericTensorData).length / runs[0]!.size;
  const data = new Storage(feedBuffer(itemLength * total * Storage.BYTES_PER_ELEMENT), 0, itemLength * total);
  let offset = 0;
  for (const run of runs) {
    const part = run.feeds[name]!.data as NumericTensorData;
    (data as Float32Array).set(part as Float32Array, offset);
    offset += part.length;
  }
  return { datatype, dims: [total, ...first.dims.slice(1)], data };
}

/** Items [start, start + size) of a batched output, in their own buffer. */
function sliceItems(tensor: RuntimeTensor, total: number, start: number, size: number): RuntimeTensor {
  if (tensor.dims[0] !== total)
    throw new Error(`a batch of ${total} gave an output of shape [${tensor.dims.join(', ')}]`);
  const dims = [size, ...tensor.dims.slice(1)];
  if (Array.isArray(tensor.data)) {
    const itemLength = tensor.data.length / total;
    return {
      datatype: tensor.datatype,
      dims,
      data: tensor.data.slice(start * itemLength, (start + size) * itemLength),
    };
  }
  const data = tensor.data as NumericTensorData;
  const itemLength = data.length / total;
  return {
    datatype: tensor.datatype,
    dims,
    data: data.slice(start * itemLength, (start + size) * itemLength),
  };
}

/**
 * Triton-style dynamic batching in front of a runtime whose graph has a dynamic leading (batch) dimension:
 * runs that arrive while the session is busy, or within `maxQueueDelayMs` of each other, go to the session
 * as one run of up to `maxBatchSize` items, and each caller gets its own items of every output. One batch is
 * at the session at a time, so the next one forms while it computes. Each caller's answer equals its answer
 * alone: the model was verified to compute each item of a batch exactly as alone (model/ verifyBatching), and
 * a batch that fails is retried item by item, so one bad run cannot fail the others.
 */
export class BatchingRuntime implements ModelRuntime {
  private readonly queue: PendingRun[] = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | null = null;
  private closed: RuntimeUnavailableError | null = null;
  private readonly preferred: number[];
  private readonly failureListeners: Array<(error: Error) => void> = [];

  private submitted = 0;

  /**
   * `upcoming` tells how many runs are on their way (requests being decoded); when none is, waiting for
   * company is pointless and a lone run leaves at once instead of after `maxQueueDelayMs`.
   */
  constructor(
    private readonly inner: ModelRuntime,
    private readonly policy: BatchingPolicy,
    private readonly upcoming: (submitted: number) => number = () => Number.POSITIVE_INFINITY,
  ) {
    if (policy.maxBatchSize < 1) throw new Error('max_batch_size must be at least 1 to batch');
    this.preferred = [...policy.preferredBatchSizes]
      .filter((size) => size <= policy.maxBatchSize)
      .sort((a, b) => b - a);
    inner.onFailure((error) => {
      this.rejectAll(new RuntimeUnavailableError(error.message));
      for (const listener of this.failureListeners) listener(error);
    });
  }

  get inputs(): readonly TensorSpec[] {
    return this.inner.inputs;
  }

  get outputs(): readonly TensorSpec[] {
    return this.inner.outputs;
  }

  get loadMs(): number {
    return this.inner.loadMs;
  }

  run(feeds: Record<string, RuntimeTensor>, fetches: readonly string[]): Promise<RuntimeRun> {
    if (this.closed) return Promise.reject(this.closed);
    const size = batchItems(feeds, this.policy.maxBatchSize);
    if (size === null) return this.inner.run(feeds, fetches);
    this.submitted += 1;
    const settle = () => {
      this.submitted -= 1;
    };
    return new Promise<RuntimeRun>((resolve, reject) => {
      this.queue.push({
        feeds,
        fetches,
        size,
        key: batchKey(feeds, fetches),
        enqueuedAt: performance.now(),
        resolve,
        reject,
      });
      this.schedule();
    }).finally(settle);
  }

  onFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  feedBuffer(byteLength: number): ArrayBuffer {
    return this.inner.feedBuffer(byteLength);
  }

  recycleFeedBuffer(buffer: ArrayBuffer): void {
    this.inner.recycleFeedBuffer(buffer);
  }

  async release(): Promise<void> {
    this.rejectAll(new RuntimeUnavailableError('the model was unloaded'));
    await this.inner.release();
  }

  private rejectAll(error: RuntimeUnavailableError): void {
    this.closed ??= error;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }

  /** Sends a batch when the session is free and the batch is full, preferred, or its oldest run waited enough. */
  private schedule(): void {
    if (this.inFlight || this.closed || this.queue.length === 0) return;
    const batch = this.nextBatch();
    const size = batch.reduce((sum, run) => sum + run.size, 0);
    const waited = performance.now() - this.queue[0]!.enqueuedAt;
    const ready =
      size >= this.policy.maxBatchSize ||
      size === this.preferred[0] ||
      waited >= this.policy.maxQueueDelayMs ||
      this.upcoming(this.submitted) <= 0 ||
      batch.length < this.queue.filter((run) => run.key === batch[0]!.key).length;
    if (!ready) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.schedule();
      }, this.policy.maxQueueDelayMs - waited);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const run of batch) this.queue.splice(this.queue.indexOf(run), 1);
    this.inFlight = true;
    void this.execute(batch).finally(() => {
      this.inFlight = false;
      this.schedule();
    });
  }

  /** The oldest run and the next runs that fit beside it, up to the largest preferred size reachable, else the maximum. */
  private nextBatch(): PendingRun[] {
    const first = this.queue[0]!;
    const candidates = this.queue.filter((run) => run.key === first.key);
    const available = candidates.reduce((sum, run) => sum + run.size, 0);
    const limit = this.preferred.find((size) => size <= available) ?? this.policy.maxBatchSize;
    const batch: PendingRun[] = [];
    let size = 0;
    for (const run of candidates) {
      if (size + run.size > Math.max(limit, first.size)) break;
      batch.push(run);
      size += run.size;
    }
    return batch;
  }

  private async execute(batch: PendingRun[]): Promise<void> {
    const dispatchedAt = performance.now();
    if (batch.length === 1) {
      const [only] = batch as [PendingRun];
      await this.inner.run(only.feeds, only.fetches).then(
        (run) => only.resolve({ ...run, queueMs: run.queueMs + dispatchedAt - only.enqueuedAt }),
        (error: Error) => only.reject(error),
      );
      return;
    }
    const total = batch.reduce((sum, run) => sum + run.size, 0);
    const feeds: Record<string, RuntimeTensor> = {};
    for (const name of Object.keys(batch[0]!.feeds))
      feeds[name] = concatenate(batch, name, total, (byteLength) => this.inner.feedBuffer(byteLength));
    let result: RuntimeRun;
    try {
      result = await this.inner.run(feeds, batch[0]!.fetches);
    } catch (error) {
      if (error instanceof RuntimeUnavailableError) {
        for (const run of batch) run.reject(error);
        return;
      }
      // Each run gets the answer, or the error, it would get alone.
      for (const run of batch) await this.execute([run]);
      return;
    }
    // The items' own buffers were copied into the batch's and are not needed for a retry any more.
    for (const run of batch) for (const buffer of bufferList(run.feeds)) this.inner.recycleFeedBuffer(buffer);
    let start = 0;
    for (const run of batch) {
      try {
        const outputs = new Map<string, RuntimeTensor>();
        for (const [name, tensor] of result.outputs)
          outputs.set(name, sliceItems(tensor, total, start, run.size));
        run.resolve({
          outputs,
          queueMs: result.queueMs + dispatchedAt - run.enqueuedAt,
          computeMs: result.computeMs,
          batchSize: total,
        });
      } catch (error) {
        run.reject(error instanceof Error ? error : new Error(String(error)));
      }
      start += run.size;
    }
  }
}
