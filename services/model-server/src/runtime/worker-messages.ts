import type { TensorSpec } from '../inference/types.js';
import type { RuntimeOptions, RuntimeTensor } from './model-runtime.js';

export interface WorkerInit {
  modelFile: string;
  options: RuntimeOptions;
}

export type ToWorker =
  | { type: 'run'; id: number; feeds: Record<string, RuntimeTensor>; fetches: string[] }
  | { type: 'release' };

export type FromWorker =
  | { type: 'loaded'; inputs: TensorSpec[]; outputs: TensorSpec[]; loadMs: number }
  | { type: 'load-failed'; message: string }
  | {
      type: 'result';
      id: number;
      outputs: Record<string, RuntimeTensor>;
      computeMs: number;
      /** The feeds' buffers, transferred back for reuse. */
      feedBuffers: ArrayBuffer[];
    }
  | { type: 'run-failed'; id: number; message: string; feedBuffers: ArrayBuffer[] }
  | { type: 'released' };
