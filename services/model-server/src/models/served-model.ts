import type { InferRequest, InferResponse, StageTimings, TensorSpec } from '../inference/types.js';

type ServedModelKind = 'detection' | 'raw';

export interface InferResult {
  response: InferResponse;
  timings: StageTimings;
}

/** One name/version pair clients can call: a detection pipeline or the model's raw tensors. */
export interface ServedModel {
  readonly name: string;
  readonly version: string;
  readonly kind: ServedModelKind;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Free-form facts for model metadata (`properties` in the OIP REST schema). */
  readonly properties: Readonly<Record<string, string>>;
  infer(request: InferRequest): Promise<InferResult>;
}
