import type { TensorData, TensorDatatype, TensorSpec } from '../inference/types.js';
import type { ThreadSpinning } from './session-options.js';

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
  /** What idle intra-op threads do (session-options.ts). */
  threadSpinning: ThreadSpinning;
}

/** A loaded model graph that runs tensors in, tensors out (onnxruntime today; protocol- and image-agnostic). */
export interface ModelRuntime {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Milliseconds the session took to load. */
  readonly loadMs: number;
  /** Input buffers may be transferred to another thread: the caller must not use them afterwards. */
  run(feeds: Record<string, RuntimeTensor>, fetches: readonly string[]): Promise<RuntimeRun>;
  /**
   * A buffer of `byteLength` bytes for a feed, with arbitrary contents: one that an earlier run's feeds gave
   * back when there is one (the runtime takes back the buffers of every run's feeds), else a new one.
   */
  feedBuffer(byteLength: number): ArrayBuffer;
  /** Gives back the buffer of a feed that will not be run after all (a batch copied it into its own). */
  recycleFeedBuffer(buffer: ArrayBuffer): void;
  /** Called once if the runtime dies on its own (crash of the session's thread). */
  onFailure(listener: (error: Error) => void): void;
  release(): Promise<void>;
}

/** The distinct ArrayBuffers under numeric tensors: what can be transferred between threads instead of copied. */
export function bufferList(tensors: Record<string, RuntimeTensor>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of Object.values(tensors)) {
    if (!Array.isArray(tensor.data) && tensor.data.buffer instanceof ArrayBuffer)
      buffers.add(tensor.data.buffer);
  }
  return [...buffers];
}

/** The runtime cannot run anything any more (released, or its thread died). */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
}
