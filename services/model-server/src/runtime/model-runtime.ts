import type { TensorData, TensorDatatype, TensorSpec } from '../inference/types.js';

export interface RuntimeTensor {
  datatype: TensorDatatype;
  dims: number[];
  data: TensorData;
}

export interface RuntimeRun {
  outputs: Map<string, RuntimeTensor>;
  /** Waiting for the session to be free. */
  queueMs: number;
  /** The session's run, as timed where it executes (for the whole batch when the run was batched). */
  computeMs: number;
  /** Items in the session run this run was part of, when dynamic batching joined it with others. */
  batchSize?: number;
}

export interface RuntimeOptions {
  intraOpThreads: number;
  interOpThreads: number;
  /** Idle intra-op threads spin waiting for work (onnxruntime's default) or sleep. */
  allowSpinning: boolean;
}

/** A loaded model graph that runs tensors in, tensors out (onnxruntime today; protocol- and image-agnostic). */
export interface ModelRuntime {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Milliseconds the session took to load. */
  readonly loadMs: number;
  /** Input buffers may be transferred to another thread: the caller must not use them afterwards. */
  run(feeds: Record<string, RuntimeTensor>, fetches: readonly string[]): Promise<RuntimeRun>;
  /** Called once if the runtime dies on its own (crash of the session's thread). */
  onFailure(listener: (error: Error) => void): void;
  release(): Promise<void>;
}

/** The runtime cannot run anything any more (released, or its thread died). */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
}
