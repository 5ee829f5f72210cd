import type { ModelConfig } from '@detection/model/config';
import { createDetectionHead } from '../detection/detection-head.js';
import { errorMessage } from '../errors.js';
import { warmUpImage } from '../image/warm-up-image.js';
import { elementCount, NUMERIC_STORAGE } from '../inference/datatypes.js';
import type { InferRequest, TensorData, TensorSpec } from '../inference/types.js';
import type { ModelSource, ModelVersionSource } from '../repository.js';
import { type BatchingPolicy, BatchingRuntime } from '../runtime/batching-runtime.js';
import type { ModelRuntime, RuntimeOptions } from '../runtime/model-runtime.js';
import { OnnxWorkerRuntime } from '../runtime/onnx-runtime.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { DetectionModel, IMAGE_INPUT } from './detection-model.js';
import { RawTensorModel } from './raw-tensor-model.js';
import type { ServedModel } from './served-model.js';
import { shapeMatches } from './tensor-checks.js';

/** A detection model's raw tensors are served under this suffix; a model without image config under its own name. */
const RAW_MODEL_SUFFIX = '-raw';

/** One loaded version of a repository model: its runtime and the names it is served under. */
export interface LoadedVersion {
  version: string;
  runtime: ModelRuntime;
  limiter: ConcurrencyLimiter;
  views: ServedModel[];
  loadMs: number;
  warmUpMs: number;
  warning?: string;
}

export interface ModelLoader {
  load(source: ModelSource, version: ModelVersionSource): Promise<LoadedVersion>;
}

export interface ModelLoaderOptions extends RuntimeOptions {
  maxImagePixels: number;
  modelConcurrency: number;
  maxQueuedRequests: number;
  /** Honour the models' `dynamic_batching` (settings.dynamicBatching); off: every request is its own run. */
  dynamicBatching: boolean;
  /** Starts the runtime of one model file; onnxruntime in a worker thread unless a test provides another. */
  startRuntime?: (modelFile: string, options: RuntimeOptions) => Promise<ModelRuntime>;
}

function servesDetection(config: ModelConfig | null): config is ModelConfig {
  return Boolean(config?.preprocessing && config.postprocessing);
}

/** Served names of a repository model: [detection name, raw-tensor name] or just the raw-tensor name. */
export function servedNames(source: Pick<ModelSource, 'name' | 'config'>): string[] {
  return servesDetection(source.config) ? [source.name, source.name + RAW_MODEL_SUFFIX] : [source.name];
}

function checkDeclaredTensors(
  kind: string,
  declared: readonly TensorSpec[],
  actual: readonly TensorSpec[],
): void {
  for (const spec of declared) {
    const found = actual.find((tensor) => tensor.name === spec.name);
    if (!found) throw new Error(`config ${kind} "${spec.name}" is not in the ONNX graph`);
    if (found.datatype !== spec.datatype) {
      throw new Error(
        `config ${kind} "${spec.name}" is ${spec.datatype} but the ONNX graph has ${found.datatype}`,
      );
    }
    if (!shapeMatches(found.shape, spec.shape)) {
      throw new Error(
        `config ${kind} "${spec.name}" has shape [${spec.shape.join(', ')}] but the ONNX graph has [${found.shape.join(', ')}]`,
      );
    }
  }
}

async function warmUp(view: ServedModel): Promise<void> {
  const request: InferRequest =
    view.kind === 'detection'
      ? {
          parameters: {},
          inputs: [{ name: IMAGE_INPUT, datatype: 'BYTES', shape: [1], data: [await warmUpImage()] }],
        }
      : {
          parameters: {},
          inputs: view.inputs.map((spec) => {
            const shape = spec.shape.map((d) => (d < 0 ? 1 : d));
            const count = elementCount(shape);
            const data: TensorData =
              spec.datatype === 'BYTES'
                ? Array.from({ length: count }, () => new Uint8Array(0))
                : new NUMERIC_STORAGE[spec.datatype](count);
            return { name: spec.name, datatype: spec.datatype, shape, data };
          }),
        };
  await view.infer(request);
}

/** A batch size above 1 needs every graph input and output to start with a dynamic (-1) batch dimension. */
function checkBatchDimension(config: ModelConfig, runtime: ModelRuntime): void {
  if ((config.max_batch_size ?? 0) < 1) return;
  for (const tensor of [...runtime.inputs, ...runtime.outputs]) {
    if (tensor.shape[0] !== -1) {
      throw new Error(
        `config max_batch_size is ${config.max_batch_size} but "${tensor.name}" has shape [${tensor.shape.join(', ')}], without a dynamic batch dimension`,
      );
    }
  }
}

function batchingPolicy(config: ModelConfig | null): BatchingPolicy | null {
  const batching = config?.dynamic_batching;
  const maxBatchSize = config?.max_batch_size ?? 0;
  if (!batching || maxBatchSize < 2) return null;
  return {
    maxBatchSize,
    maxQueueDelayMs: batching.max_queue_delay_ms,
    preferredBatchSizes: batching.preferred_batch_sizes,
  };
}

/** Loads ONNX model versions into worker-thread onnxruntime sessions and runs one warm-up inference each. */
export function createModelLoader(options: ModelLoaderOptions): ModelLoader {
  const startRuntime =
    options.startRuntime ?? ((file, runtimeOptions) => OnnxWorkerRuntime.start(file, runtimeOptions));
  return {
    async load(source, { version, modelFile }) {
      const session = await startRuntime(modelFile, {
        intraOpThreads: options.intraOpThreads,
        interOpThreads: options.interOpThreads,
        threadSpinning: options.threadSpinning,
      });
      let runtime: ModelRuntime = session;
      try {
        const config = source.config;
        if (config) {
          checkDeclaredTensors('input', config.inputs, session.inputs);
          checkDeclaredTensors('output', config.outputs, session.outputs);
          checkBatchDimension(config, session);
        }
        const batching = options.dynamicBatching ? batchingPolicy(config) : null;
        // A slot covers one request from decoding to its answer; with batching, enough of them to fill a batch
        // while the previous one runs, so that MODEL_CONCURRENCY counts batches.
        const limiter = new ConcurrencyLimiter(
          options.modelConcurrency * (batching?.maxBatchSize ?? 1),
          options.maxQueuedRequests,
          `model ${source.name} version ${version}`,
        );
        // Slot holders that have not reached the batcher yet are still decoding: they may join the next batch.
        if (batching)
          runtime = new BatchingRuntime(session, batching, (submitted) => limiter.holders - submitted);
        const views: ServedModel[] = [];
        if (servesDetection(config)) {
          const rawName = source.name + RAW_MODEL_SUFFIX;
          const head = createDetectionHead(config);
          views.push(
            new DetectionModel(source.name, version, config, head, runtime, limiter, options, rawName),
            new RawTensorModel(rawName, version, runtime, limiter, { detection_model: source.name }),
          );
        } else {
          views.push(new RawTensorModel(source.name, version, runtime, limiter));
        }
        const warmUpStarted = performance.now();
        const view = views[0]!;
        let warning: string | undefined;
        try {
          await warmUp(view);
        } catch (error) {
          // Zeros of size 1 in every dynamic dimension may not be a valid input for a raw model; that is no fault.
          if (view.kind === 'detection' || view.inputs.every((spec) => spec.shape.every((d) => d >= 0)))
            throw error;
          warning = `warm-up with a synthetic input failed: ${errorMessage(error)}`;
        }
        return {
          version,
          runtime,
          limiter,
          views,
          loadMs: runtime.loadMs,
          warmUpMs: performance.now() - warmUpStarted,
          ...(warning && { warning }),
        };
      } catch (error) {
        await runtime.release();
        throw error;
      }
    },
  };
}
