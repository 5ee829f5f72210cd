import type { InferenceSession } from 'onnxruntime-node';
import type { RuntimeOptions } from './model-runtime.js';

/**
 * What onnxruntime's intra-op threads do while they have no work:
 * - `during-run`: spin between the parallel sections of a run, and stop spinning when the run returns
 *   (`session.force_spinning_stop`), so the cores are free for decoding the next image;
 * - `always`: spin for a while after every section, runs included (onnxruntime's default);
 * - `never`: sleep at once, paying the OS's wake-up latency at each of the graph's hundreds of parallel sections.
 */
export const THREAD_SPINNING = ['during-run', 'always', 'never'] as const;
export type ThreadSpinning = (typeof THREAD_SPINNING)[number];

const SPINNING_CONFIG: Record<ThreadSpinning, Record<string, unknown>> = {
  'during-run': { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' },
  always: { intra_op: { allow_spinning: '1' } },
  never: { intra_op: { allow_spinning: '0' } },
};

/** The session options every model session (and the benchmark's bare sessions) is created with. */
export function sessionOptions(options: RuntimeOptions): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    extra: { session: SPINNING_CONFIG[options.threadSpinning] },
  };
}
