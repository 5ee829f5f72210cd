import { errorMessage, InvalidInputError, ModelNotReadyError } from '../errors.js';
import type { InferRequest, TensorSpec } from '../inference/types.js';
import { type ModelRuntime, type RuntimeTensor, RuntimeUnavailableError } from '../runtime/model-runtime.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { InferResult, ServedModel } from './served-model.js';
import { matchInputs, matchOutputs } from './tensor-checks.js';

/** The ONNX graph's own tensors in and out, for generic Open Inference Protocol clients. */
export class RawTensorModel implements ServedModel {
  readonly kind = 'raw';
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly properties: Readonly<Record<string, string>>;

  constructor(
    readonly name: string,
    readonly version: string,
    private readonly runtime: ModelRuntime,
    private readonly limiter: ConcurrencyLimiter,
    properties: Record<string, string> = {},
  ) {
    this.inputs = runtime.inputs;
    this.outputs = runtime.outputs;
    this.properties = { task: 'raw-tensors', ...properties };
  }

  async infer(request: InferRequest): Promise<InferResult> {
    const started = performance.now();
    const inputs = matchInputs(this.name, this.inputs, request.inputs);
    const fetches = matchOutputs(
      this.name,
      this.outputs.map((output) => output.name),
      request.outputs,
    );
    const feeds: Record<string, RuntimeTensor> = {};
    for (const [name, tensor] of inputs) {
      feeds[name] = { datatype: tensor.datatype, dims: tensor.shape, data: tensor.data };
    }
    const preprocess = performance.now() - started;
    const slot = await this.limiter.acquire();
    try {
      const runStarted = performance.now();
      let run: Awaited<ReturnType<ModelRuntime['run']>>;
      try {
        run = await this.runtime.run(feeds, fetches);
      } catch (error) {
        if (error instanceof RuntimeUnavailableError) {
          throw new ModelNotReadyError(`model ${this.name} is not available: ${error.message}`);
        }
        // The inputs passed every check the metadata allows, so onnxruntime refusing them is the input's fault.
        throw new InvalidInputError(`model ${this.name} rejected the input: ${errorMessage(error)}`, {
          cause: error,
        });
      }
      const roundTrip = performance.now() - runStarted;
      const postStarted = performance.now();
      const outputs = fetches.map((name) => {
        const tensor = run.outputs.get(name)!;
        return { name, datatype: tensor.datatype, shape: tensor.dims, data: tensor.data };
      });
      return {
        response: {
          modelName: this.name,
          modelVersion: this.version,
          ...(request.id !== undefined && { id: request.id }),
          outputs,
        },
        timings: {
          queue: slot.waitedMs + run.queueMs,
          preprocess,
          inference: roundTrip - run.queueMs,
          postprocess: performance.now() - postStarted,
          batchSize: run.batchSize ?? 1,
        },
      };
    } finally {
      slot.release();
    }
  }
}
