import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StageTimings } from './inference/types.js';

const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const MODEL_LABELS = ['model', 'version'] as const;

/** Prometheus metrics of one server, in their own registry (no global state). */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly inferRequests = new Counter({
    name: 'model_server_inference_requests_total',
    help: 'Inference requests per model and version, successful or not',
    labelNames: MODEL_LABELS,
    registers: [this.registry],
  });
  private readonly inferFailures = new Counter({
    name: 'model_server_inference_failures_total',
    help: 'Failed inference requests per model, version and HTTP status',
    labelNames: [...MODEL_LABELS, 'status'],
    registers: [this.registry],
  });
  private readonly stages = {
    queue: this.stageHistogram('queue', 'waiting for a free slot and for the session'),
    preprocess: this.stageHistogram('preprocess', 'decoding and resizing the image'),
    inference: this.stageHistogram('inference', 'running the ONNX session'),
    postprocess: this.stageHistogram('postprocess', 'decoding boxes, NMS and encoding outputs'),
  };
  private readonly batchSize = new Histogram({
    name: 'model_server_inference_batch_size',
    help: 'Items in the session run that computed each inference request (dynamic batching joins requests)',
    labelNames: MODEL_LABELS,
    buckets: [1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  private readonly requestDuration = new Histogram({
    name: 'model_server_inference_request_duration_seconds',
    help: 'Whole inference requests per model, from the data plane receiving it to the response being built',
    labelNames: MODEL_LABELS,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly pending = new Gauge({
    name: 'model_server_inference_pending_requests',
    help: 'Inference requests inside the server per model: waiting or running',
    labelNames: MODEL_LABELS,
    registers: [this.registry],
  });
  private readonly httpRequests = new Counter({
    name: 'model_server_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly grpcRequests = new Counter({
    name: 'model_server_grpc_requests_total',
    help: 'gRPC calls by method and status code',
    labelNames: ['method', 'code'],
    registers: [this.registry],
  });
  private modelStates: () => Array<{ model: string; version: string; ready: boolean }> = () => [];

  private readonly startupSeconds = new Gauge({
    name: 'model_server_startup_seconds',
    help: 'Seconds from process start until every model was loaded and warmed up',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const states = () => this.modelStates();
    new Gauge({
      name: 'model_server_model_ready',
      help: '1 when the model version is loaded and ready to serve',
      labelNames: MODEL_LABELS,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { model, version, ready } of states()) this.set({ model, version }, ready ? 1 : 0);
      },
    });
  }

  private stageHistogram(stage: string, what: string): Histogram<'model' | 'version'> {
    return new Histogram({
      name: `model_server_inference_${stage}_duration_seconds`,
      help: `Time per inference request spent ${what}`,
      labelNames: MODEL_LABELS,
      buckets: STAGE_BUCKETS,
      registers: [this.registry],
    });
  }

  inferenceStarted(model: string, version: string): void {
    this.pending.inc({ model, version });
  }

  inferenceSucceeded(model: string, version: string, timings: StageTimings, totalMs: number): void {
    this.pending.dec({ model, version });
    const labels = { model, version };
    this.inferRequests.inc(labels);
    for (const stage of ['queue', 'preprocess', 'inference', 'postprocess'] as const) {
      this.stages[stage].observe(labels, Math.max(0, timings[stage]) / 1000);
    }
    this.batchSize.observe(labels, timings.batchSize ?? 1);
    this.requestDuration.observe(labels, totalMs / 1000);
  }

  inferenceFailed(model: string, version: string, status: number): void {
    this.pending.dec({ model, version });
    this.inferRequests.inc({ model, version });
    this.inferFailures.inc({ model, version, status: String(status) });
  }

  httpRequest(method: string, route: string, status: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
  }

  /** Where `model_server_model_ready` reads the models from at each scrape. */
  grpcRequest(method: string, code: string): void {
    this.grpcRequests.inc({ method, code });
  }

  reportModelStates(states: () => Array<{ model: string; version: string; ready: boolean }>): void {
    this.modelStates = states;
  }

  setStartupSeconds(seconds: number): void {
    this.startupSeconds.set(seconds);
  }
}
