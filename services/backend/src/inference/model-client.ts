import { setTimeout as sleep } from 'node:timers/promises';
import type { DecodedInferResponse } from './codec.js';

/**
 * Why a call to the model server failed. `unavailable`: nothing answered, or it kept answering 502/503/504 until
 * the retry deadline (a scaled-to-zero predictor still starting); `overloaded`: it is up but its queue is full
 * (429, or 503 with `Retry-After`), passed on at once rather than retried; `timeout`: one request took longer than
 * the per-request timeout; `bad_response`: it answered something unusable; `rejected`: it refused this request (4xx).
 * A 404 (unknown model) is final at once, whatever the server's readiness: the model server answers 503, not
 * 404, while it is still reading its repository.
 */
export type ModelServerFailure = 'unavailable' | 'overloaded' | 'timeout' | 'bad_response' | 'rejected';

/**
 * The status the backend answers when the model server fails it. A `rejected` request is not listed: what it means
 * depends on the call (an unknown model, an image refused as too large or unprocessable).
 */
export const failureStatus = {
  unavailable: 503,
  overloaded: 503,
  timeout: 504,
  bad_response: 502,
} as const satisfies Record<Exclude<ModelServerFailure, 'rejected'>, number>;

export class ModelServerError extends Error {
  constructor(
    readonly failure: ModelServerFailure,
    message: string,
    /** The HTTP status it answered; over gRPC, the HTTP status its status code stands for (NOT_FOUND → 404, …). */
    readonly upstreamStatus: number | null = null,
    readonly attempts = 1,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ModelServerError';
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
  }

  /** For `overloaded`: when the model server asked to be called again (its `Retry-After`, at least 1 s). */
  readonly retryAfterSeconds: number | null;
}

export interface DetectOptions {
  model: string;
  /** A version of the model (its deployment's choice); the model server's highest loaded one when absent. */
  version?: string | undefined;
  /**
   * The model's own server (its deployment's endpoint on Kubernetes) instead of the client's base URL. REST only:
   * the backend refuses to start with DEPLOYMENT_TARGET=kubernetes and MODEL_SERVER_PROTOCOL=grpc.
   */
  baseUrl?: string | undefined;
  scoreThreshold?: number | undefined;
  requestId?: string | undefined;
}

export interface DetectResult extends DecodedInferResponse {
  attempts: number;
  /** Wall time of the successful request (not counting earlier failed attempts and backoff). */
  inferenceMs: number;
}

export type ModelServerReadiness =
  | { status: 'ready'; latency_ms: number }
  | { status: 'cold'; latency_ms: number; detail: string }
  | { status: 'unavailable'; detail: string };

export type ModelIndexEntry = { name: string; version: string | null; state: string; reason: string };

/** The backend's view of the model server, over REST (`RestModelClient`) or gRPC (`GrpcModelClient`). */
export interface ModelClient {
  /** Where the model server is, for /ready and messages: its base URL, or grpc://host:port. */
  readonly baseUrl: string;
  /** Runs detection on one encoded image, retrying a starting server until the deadline. Throws {@link ModelServerError}. */
  detect(image: Uint8Array, options: DetectOptions): Promise<DetectResult>;
  /** The model server's repository index. Throws {@link ModelServerError}. */
  listModels(): Promise<ModelIndexEntry[]>;
  /** Asks the server's readiness once, with a short timeout; never throws. */
  readiness(timeoutMs?: number): Promise<ModelServerReadiness>;
  /** Releases connections (the gRPC channel). */
  close(): void;
}

export interface RetryPolicy {
  requestTimeoutMs: number;
  retryDeadlineMs: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called before each retry; for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** What one failed attempt means: the error to throw, and why it is worth retrying (null: it is not). */
export interface AttemptFailure {
  failure: ModelServerError;
  retryReason: string | null;
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const exponential = Math.min(
    policy.maxBackoffMs ?? 2_000,
    (policy.initialBackoffMs ?? 100) * 2 ** (attempt - 1),
  );
  return Math.round(exponential * (0.5 + Math.random() * 0.5));
}

/**
 * Runs `attempt` until it succeeds, a failure is not worth retrying, or the next try would start after the retry
 * deadline (jittered exponential backoff): a scaled-to-zero model server gets time to start.
 */
export async function retryUntilDeadline<T>(
  policy: RetryPolicy,
  target: string,
  attempt: (number: number) => Promise<T>,
  classify: (error: unknown, attempts: number) => AttemptFailure,
): Promise<T> {
  const started = performance.now();
  const deadline = Date.now() + policy.retryDeadlineMs;
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      const { failure, retryReason } = classify(error, number);
      if (retryReason === null) throw failure;
      const delayMs = backoff(policy, number);
      if (Date.now() + delayMs > deadline) {
        throw new ModelServerError(
          'unavailable',
          `model server at ${target} is unavailable after ${number} attempt(s) over ${Math.round(performance.now() - started)} ms: ${retryReason}`,
          failure.upstreamStatus,
          number,
          { cause: error },
        );
      }
      policy.onRetry?.({ attempt: number, delayMs, reason: retryReason });
      await sleep(delayMs);
    }
  }
}
