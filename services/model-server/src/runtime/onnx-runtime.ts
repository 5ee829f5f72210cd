import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TensorSpec } from '../inference/types.js';
import { FeedBufferPool } from './feed-buffer-pool.js';
import {
  bufferList,
  type ModelRuntime,
  type RuntimeOptions,
  type RuntimeRun,
  type RuntimeTensor,
  RuntimeUnavailableError,
} from './model-runtime.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.js';

// Next to this module in the sources (run through tsx/vitest), next to index.js in the esbuild bundle.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(RUNNING_FROM_SOURCE ? './onnx-worker.ts' : './onnx-worker.js', import.meta.url);
const RELEASE_TIMEOUT_MS = 5_000;

function createWorker(init: WorkerInit): Worker {
  if (!RUNNING_FROM_SOURCE) return new Worker(WORKER_URL, { workerData: init });
  // Run from TypeScript sources (tsx, vitest): the worker registers tsx's loader before importing its entry.
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json');
  const tsxApi = pathToFileURL(path.join(path.dirname(tsxPackage), 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

interface PendingRun {
  id: number;
  feeds: Record<string, RuntimeTensor>;
  fetches: string[];
  enqueuedAt: number;
  dispatchedAt: number;
  resolve: (run: RuntimeRun) => void;
  reject: (error: Error) => void;
}

/**
 * An onnxruntime-node session living in its own worker thread. Runs are queued here and sent one at a time,
 * so the time a request waits for the session is measured separately from the session's compute time.
 */
export class OnnxWorkerRuntime implements ModelRuntime {
  private readonly queue: PendingRun[] = [];
  private running: PendingRun | null = null;
  private nextId = 1;
  private failure: RuntimeUnavailableError | null = null;
  private readonly failureListeners: Array<(error: Error) => void> = [];
  private released = false;
  private readonly feedBuffers = new FeedBufferPool();

  private constructor(
    private readonly worker: Worker,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
    readonly loadMs: number,
  ) {
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) =>
      this.fail(new RuntimeUnavailableError(`the inference worker crashed: ${error.message}`)),
    );
    worker.on('exit', (code) => {
      if (!this.released)
        this.fail(new RuntimeUnavailableError(`the inference worker exited with code ${code}`));
    });
  }

  /** Starts a worker, loads `modelFile` into an onnxruntime session (graph optimisation "all") and waits for it. */
  static start(modelFile: string, options: RuntimeOptions): Promise<OnnxWorkerRuntime> {
    const worker = createWorker({ modelFile, options });
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`the inference worker for ${modelFile} failed to start: ${error.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the inference worker for ${modelFile} exited with code ${code} while loading`));
      };
      const onMessage = (message: FromWorker) => {
        cleanup();
        if (message.type === 'loaded') {
          resolve(new OnnxWorkerRuntime(worker, message.inputs, message.outputs, message.loadMs));
        } else {
          void worker.terminate();
          reject(
            new Error(
              message.type === 'load-failed'
                ? `onnxruntime cannot load ${modelFile}: ${message.message}`
                : `unexpected message "${message.type}" from the inference worker`,
            ),
          );
        }
      };
      const cleanup = () => {
        worker.off('error', onError).off('exit', onExit).off('message', onMessage);
      };
      worker.on('error', onError).on('exit', onExit).once('message', onMessage);
    });
  }

  run(feeds: Record<string, RuntimeTensor>, fetches: readonly string[]): Promise<RuntimeRun> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.released) return Promise.reject(new RuntimeUnavailableError('the model has been unloaded'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        feeds,
        fetches: [...fetches],
        enqueuedAt: performance.now(),
        dispatchedAt: 0,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  onFailure(listener: (error: Error) => void): void {
    this.failureListeners.push(listener);
  }

  feedBuffer(byteLength: number): ArrayBuffer {
    return this.feedBuffers.take(byteLength);
  }

  recycleFeedBuffer(buffer: ArrayBuffer): void {
    this.feedBuffers.give(buffer);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const error = new RuntimeUnavailableError('the model was unloaded');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    const waitForRun = this.running
      ? new Promise<void>((resolve) => {
          const running = this.running!;
          const [resolveRun, rejectRun] = [running.resolve, running.reject];
          running.resolve = (run) => {
            resolveRun(run);
            resolve();
          };
          running.reject = (failure) => {
            rejectRun(failure);
            resolve();
          };
        })
      : Promise.resolve();
    await waitForRun;
    if (!this.failure) {
      const released = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RELEASE_TIMEOUT_MS);
        this.worker.on('message', (message: FromWorker) => {
          if (message.type === 'released') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      this.send({ type: 'release' });
      await released;
    }
    await this.worker.terminate();
  }

  private send(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private dispatch(): void {
    if (this.running || this.failure) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = next;
    next.dispatchedAt = performance.now();
    try {
      this.send(
        { type: 'run', id: next.id, feeds: next.feeds, fetches: next.fetches },
        bufferList(next.feeds),
      );
    } catch (error) {
      this.running = null;
      next.reject(error instanceof Error ? error : new Error(String(error)));
      this.dispatch();
    }
  }

  private onMessage(message: FromWorker): void {
    const running = this.running;
    if (message.type !== 'result' && message.type !== 'run-failed') return;
    for (const buffer of message.feedBuffers) this.feedBuffers.give(buffer);
    if (!running || message.id !== running.id) return;
    this.running = null;
    if (message.type === 'result') {
      running.resolve({
        outputs: new Map(Object.entries(message.outputs)),
        queueMs: running.dispatchedAt - running.enqueuedAt,
        computeMs: message.computeMs,
      });
    } else {
      running.reject(new Error(message.message));
    }
    this.dispatch();
  }

  private fail(error: RuntimeUnavailableError): void {
    if (this.failure || this.released) return;
    this.failure = error;
    const pending = [...(this.running ? [this.running] : []), ...this.queue.splice(0)];
    this.running = null;
    for (const run of pending) run.reject(error);
    for (const listener of this.failureListeners) listener(error);
  }
}
