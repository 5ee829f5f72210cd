import type { Logger } from 'pino';
import { ModelServerError, ServerShuttingDownError } from './errors.js';
import type { InferRequest, InferResponse, ModelMetadata } from './inference/types.js';
import type { ServerMetrics } from './metrics.js';
import type { ServedModel } from './models/served-model.js';
import type { IndexEntry, ModelRegistry } from './registry.js';

const SERVER_NAME = 'detection-model-server';
export const SERVER_VERSION = '0.1.0';
/** Extensions as named in Triton's server metadata. */
const SERVER_EXTENSIONS = ['binary_tensor_data', 'model_repository'] as const;

export interface ServerMetadata {
  name: string;
  version: string;
  extensions: string[];
}

/**
 * The protocol-neutral operations of the server (health, metadata, inference, model repository), shared by
 * every transport. Looks models up in the registry, enforces readiness, records metrics.
 */
export class DataPlane {
  private shuttingDown = false;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly metrics: ServerMetrics,
    private readonly logger: Logger,
  ) {
    metrics.reportModelStates(() => registry.versionStates());
  }

  /** Live unless a model's session died and could not be reloaded (a restart is the remedy). */
  live(): { live: boolean; reason: string } {
    return this.registry.liveness();
  }

  /** Ready when every wanted model is loaded and warmed up, and the server is not draining. */
  ready(): { ready: boolean; reason: string } {
    if (this.shuttingDown) return { ready: false, reason: 'the server is shutting down' };
    return this.registry.readiness();
  }

  serverMetadata(): ServerMetadata {
    return { name: SERVER_NAME, version: SERVER_VERSION, extensions: [...SERVER_EXTENSIONS] };
  }

  modelMetadata(name: string, version?: string): ModelMetadata {
    const model = this.registry.resolve(name, version);
    return {
      name: model.name,
      versions: this.registry.versionsOf(name),
      platform: 'onnx_onnxv1',
      inputs: [...model.inputs],
      outputs: [...model.outputs],
      properties: { ...model.properties },
    };
  }

  /**
   * The served model of an inference, for a name and optional version (highest loaded by default). Throws
   * ModelNotFoundError for an unknown model or version, ModelUnavailableError for one unloaded or failed,
   * ModelNotReadyError while it cannot serve yet.
   */
  model(name: string, version?: string): ServedModel {
    return this.registry.resolveForInference(name, version);
  }

  /** Throws ModelNotFoundError for an unknown model or version, ModelNotReadyError when it cannot serve. */
  modelReady(name: string, version?: string): true {
    this.registry.resolve(name, version);
    return true;
  }

  /** Unknown models are refused before any per-model metric, so clients cannot create label values. */
  async infer(name: string, version: string | undefined, request: InferRequest): Promise<InferResponse> {
    const started = performance.now();
    const model = this.registry.resolveForInference(name, version);
    this.metrics.inferenceStarted(model.name, model.version);
    try {
      const { response, timings } = await model.infer(request);
      this.metrics.inferenceSucceeded(model.name, model.version, timings, performance.now() - started);
      return response;
    } catch (error) {
      const status = error instanceof ModelServerError ? error.status : 500;
      this.metrics.inferenceFailed(model.name, model.version, status);
      throw error;
    }
  }

  repositoryIndex(readyOnly: boolean): Promise<IndexEntry[]> {
    return this.registry
      .index()
      .then((entries) => (readyOnly ? entries.filter((entry) => entry.state === 'READY') : entries));
  }

  async loadModel(name: string): Promise<void> {
    if (this.shuttingDown) throw new ServerShuttingDownError();
    this.logger.info({ model: name }, 'load requested');
    await this.registry.load(name);
  }

  async unloadModel(name: string): Promise<void> {
    this.logger.info({ model: name }, 'unload requested');
    await this.registry.unload(name);
  }

  /** Readiness turns false at once (so no new traffic is routed here); requests still arriving are served. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** True once beginShutdown was called: the server is draining. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
