import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  modelRequests: Counter<'model' | 'outcome'>;
  modelDuration: Histogram<'model'>;
  modelRetries: Counter;
  imagesStored: Counter<'status'>;
  detectedObjects: Counter<'model'>;
  admissionInFlight: Gauge<'work'>;
  admissionQueued: Gauge<'work'>;
  admissionRefused: Counter<'work' | 'reason'>;
  videoJobsFinished: Counter<'state'>;
  videoFrames: Counter<'model'>;
}

/** One registry per app, so several apps (tests) never share counters. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'backend_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'backend_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    modelRequests: new Counter({
      name: 'backend_model_requests_total',
      help: 'Detection calls to the model server, by outcome (ok, unavailable, overloaded, timeout, bad_response, rejected)',
      labelNames: ['model', 'outcome'],
      registers: [registry],
    }),
    modelDuration: new Histogram({
      name: 'backend_model_request_duration_seconds',
      help: 'Round trip of a successful inference request to the model server',
      labelNames: ['model'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    modelRetries: new Counter({
      name: 'backend_model_retries_total',
      help: 'Retries of model server calls (connection refused, 502/503/504 without Retry-After)',
      registers: [registry],
    }),
    imagesStored: new Counter({
      name: 'backend_images_stored_total',
      help: 'Images stored, by resulting status',
      labelNames: ['status'],
      registers: [registry],
    }),
    detectedObjects: new Counter({
      name: 'backend_detected_objects_total',
      help: 'Objects detected and stored',
      labelNames: ['model'],
      registers: [registry],
    }),
    admissionInFlight: new Gauge({
      name: 'backend_work_in_flight',
      help: 'Uploads, detections and annotations being processed (admission control)',
      labelNames: ['work'],
      registers: [registry],
    }),
    admissionQueued: new Gauge({
      name: 'backend_work_queued',
      help: 'Uploads, detections and annotations waiting for a slot (admission control)',
      labelNames: ['work'],
      registers: [registry],
    }),
    videoJobsFinished: new Counter({
      name: 'backend_video_jobs_finished_total',
      help: 'Video jobs this process finished, by final state (completed or failed)',
      labelNames: ['state'],
      registers: [registry],
    }),
    videoFrames: new Counter({
      name: 'backend_video_frames_detected_total',
      help: 'Sampled video frames detected and stored by this process’s workers',
      labelNames: ['model'],
      registers: [registry],
    }),
    admissionRefused: new Counter({
      name: 'backend_work_refused_total',
      help: 'Requests refused with 503 and Retry-After by admission control (queue_full, queue_timeout)',
      labelNames: ['work', 'reason'],
      registers: [registry],
    }),
  };
}
