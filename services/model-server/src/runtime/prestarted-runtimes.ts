import type { ModelRepository } from '../repository.js';
import type { ModelRuntime, RuntimeOptions } from './model-runtime.js';
import { OnnxWorkerRuntime } from './onnx-runtime.js';

export interface PrestartedRuntimes {
  /** A drop-in `startRuntime`: hands out the runtime already starting for this file, or starts one. */
  startRuntime(modelFile: string, options: RuntimeOptions): Promise<ModelRuntime>;
  /** Releases runtimes nobody asked for (a model the registry did not load after all). */
  releaseUnclaimed(): Promise<void>;
}

const sameOptions = (a: RuntimeOptions, b: RuntimeOptions) =>
  a.intraOpThreads === b.intraOpThreads &&
  a.interOpThreads === b.interOpThreads &&
  a.threadSpinning === b.threadSpinning;

/**
 * Starts the onnxruntime worker of every model version in the repository right away, so that sessions load
 * on other threads while the main thread is still importing the HTTP stack and sharp (a cold start pays both).
 */
export function prestartRuntimes(repository: ModelRepository, options: RuntimeOptions): PrestartedRuntimes {
  const started = new Map<string, Promise<ModelRuntime>>();
  const listed = repository
    .list()
    .then((sources) => {
      for (const source of sources) {
        if (source.problem) continue;
        for (const { modelFile } of source.versions) {
          const runtime = OnnxWorkerRuntime.start(modelFile, options);
          // Unclaimed failures surface when (if) the registry asks for the runtime.
          runtime.catch(() => undefined);
          started.set(modelFile, runtime);
        }
      }
    })
    .catch(() => undefined);
  return {
    async startRuntime(modelFile, requested) {
      await listed;
      const runtime = started.get(modelFile);
      started.delete(modelFile);
      if (runtime && sameOptions(options, requested)) return runtime;
      if (runtime)
        void runtime.then(
          (unused) => unused.release(),
          () => undefined,
        );
      return OnnxWorkerRuntime.start(modelFile, requested);
    },
    async releaseUnclaimed() {
      await listed;
      const unclaimed = [...started.values()];
      started.clear();
      await Promise.all(
        unclaimed.map((runtime) =>
          runtime.then(
            (unused) => unused.release(),
            () => undefined,
          ),
        ),
      );
    },
  };
}
