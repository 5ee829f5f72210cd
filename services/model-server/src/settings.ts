import { z } from 'zod';
import { THREAD_SPINNING, type ThreadSpinning } from './runtime/session-options.js';

/**
 * ORT thread defaults measured on the 2-core machine (bench/model-server.bench.ts, "thread_choice"; README):
 * two intra-op threads cut CenterNet's latency by a third and gave the best throughput, although decoding of
 * the next request then competes for the same cores. Sessions run sequentially, so inter-op threads stay at 1.
 */
export const DEFAULT_INTRA_OP_THREADS = 2;
export const DEFAULT_INTER_OP_THREADS = 1;
/**
 * Spinning only while a run is in progress: sleeping threads made each CenterNet run 20-30 % slower (a wake-up at
 * every parallel section), and threads that go on spinning after the run take the cores from decoding the next
 * request (measured: README, "Choosing thread counts").
 */
export const DEFAULT_ORT_THREAD_SPINNING: ThreadSpinning = 'during-run';

const integer = (min: number) => z.coerce.number().int().min(min);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const environmentSchema = z.object({
  PORT: integer(0).max(65535).default(8080),
  HTTP_PORT: integer(0).max(65535).optional(),
  GRPC_PORT: z.union([z.enum(['off']).transform(() => null), integer(0).max(65535)]).default(8081),
  HOST: z.string().min(1).default('0.0.0.0'),
  MODEL_REPOSITORY: z.string().min(1).default('/mnt/models'),
  MAX_REQUEST_BYTES: integer(1024).default(33_554_432),
  MAX_IMAGE_PIXELS: integer(1).default(40_000_000),
  ORT_INTRA_OP_THREADS: integer(1).max(256).default(DEFAULT_INTRA_OP_THREADS),
  ORT_INTER_OP_THREADS: integer(1).max(256).default(DEFAULT_INTER_OP_THREADS),
  ORT_THREAD_SPINNING: z.enum(THREAD_SPINNING).default(DEFAULT_ORT_THREAD_SPINNING),
  MODEL_CONCURRENCY: integer(1).max(64).default(2),
  MAX_QUEUED_REQUESTS: integer(0).max(100_000).default(64),
  DYNAMIC_BATCHING: flag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: integer(0).default(25_000),
  STRICT_MODEL_LOADING: flag.default(false),
  HTTP_HEADERS_TIMEOUT_MS: integer(1).default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(1).default(60_000),
  // Longer than the idle timeout of the proxies in front (Istio/Envoy, Knative's queue-proxy), as KServe does.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(1).default(65_000),
  MAX_CONNECTIONS: integer(1).default(1024),
  MODEL_REPOSITORY_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface Settings {
  /**
   * REST (HTTP/1.1); 0 = any free port. HTTP_PORT, else PORT: Knative sets PORT to the one serving port, which
   * is the gRPC port when an InferenceService serves grpc-v2 (`ports: [{name: h2c, containerPort: 8081}]`).
   */
  port: number;
  /** gRPC (plaintext HTTP/2) on its own port, as KServe does (8081 beside 8080); 0 = any free port, null = off. */
  grpcPort: number | null;
  host: string;
  /** A model repository (`<root>/<model>/...`) or a single model folder. */
  modelRepository: string;
  maxRequestBytes: number;
  maxImagePixels: number;
  intraOpThreads: number;
  interOpThreads: number;
  /** What onnxruntime's idle intra-op threads do: spin during a run only, always, or never. */
  threadSpinning: ThreadSpinning;
  /** Requests of one model that are decoded/run at the same time; the rest wait in its queue. */
  modelConcurrency: number;
  /** Requests that may wait per model before new ones are refused with 503. */
  maxQueuedRequests: number;
  /** Honour `dynamic_batching` in model configs; off: every request is its own session run. */
  dynamicBatching: boolean;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  shutdownTimeoutMs: number;
  /**
   * Triton's `--exit-on-error` and `--strict-readiness` together: startup fails when any model fails to load,
   * and the server is ready only while every model it was asked to serve is ready. Off: a model that fails is
   * listed as UNAVAILABLE with its reason and the server serves the others.
   */
  strictModelLoading: boolean;
  http: {
    /** Time to receive a request's headers, and its whole body. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** Open connections at most; further ones are closed as they arrive. */
    maxConnections: number;
  };
  /** When set, the repository's load and unload routes need `Authorization: Bearer <token>`. */
  repositoryToken: string | null;
}

/** Reads and validates the server settings from environment variables; throws with every problem listed. */
export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Settings {
  const defined = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(defined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new Error(
      'invalid environment: HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  return {
    port: env.HTTP_PORT ?? env.PORT,
    grpcPort: env.GRPC_PORT,
    host: env.HOST,
    modelRepository: env.MODEL_REPOSITORY,
    maxRequestBytes: env.MAX_REQUEST_BYTES,
    maxImagePixels: env.MAX_IMAGE_PIXELS,
    intraOpThreads: env.ORT_INTRA_OP_THREADS,
    interOpThreads: env.ORT_INTER_OP_THREADS,
    threadSpinning: env.ORT_THREAD_SPINNING,
    modelConcurrency: env.MODEL_CONCURRENCY,
    maxQueuedRequests: env.MAX_QUEUED_REQUESTS,
    dynamicBatching: env.DYNAMIC_BATCHING,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    strictModelLoading: env.STRICT_MODEL_LOADING,
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.MAX_CONNECTIONS,
    },
    repositoryToken: env.MODEL_REPOSITORY_TOKEN ?? null,
  };
}
