/**
 * Worker-thread entry: owns one onnxruntime session so that `session.run`, which blocks its thread for the
 * whole inference, never blocks the HTTP event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { errorMessage } from '../errors.js';
import { bufferList } from './model-runtime.js';
import { fromOrtTensor, specOf, toOrtTensor } from './ort-tensors.js';
import { sessionOptions } from './session-options.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('onnx-worker must run in a worker thread');
const init = workerData as WorkerInit;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function main(): Promise<void> {
  const started = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(init.modelFile, sessionOptions(init.options));
  } catch (error) {
    post({ type: 'load-failed', message: errorMessage(error) });
    return;
  }
  try {
    post({
      type: 'loaded',
      inputs: session.inputMetadata.map(specOf),
      outputs: session.outputMetadata.map(specOf),
      loadMs: performance.now() - started,
    });
  } catch (error) {
    post({ type: 'load-failed', message: errorMessage(error) });
    return;
  }
  port!.on('message', async (message: ToWorker) => {
    if (message.type === 'release') {
      await session.release();
      post({ type: 'released' });
      port!.close();
      return;
    }
    const feedBuffers = bufferList(message.feeds);
    try {
      const feeds = Object.fromEntries(
        Object.entries(message.feeds).map(([name, tensor]) => [name, toOrtTensor(ort.Tensor, tensor)]),
      );
      const runStarted = performance.now();
      const results = await session.run(feeds, message.fetches);
      const computeMs = performance.now() - runStarted;
      const outputs = Object.fromEntries(
        message.fetches.map((name) => {
          const tensor = results[name];
          if (!tensor) throw new Error(`the session returned no output "${name}"`);
          return [name, fromOrtTensor(tensor)];
        }),
      );
      post({ type: 'result', id: message.id, outputs, computeMs, feedBuffers }, feedBuffers);
    } catch (error) {
      post({ type: 'run-failed', id: message.id, message: errorMessage(error), feedBuffers }, feedBuffers);
    }
  });
}

void main();
