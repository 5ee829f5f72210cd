import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  type DecodedInferResponse,
  decodeInferResponse,
  encodeInferRequest,
  InferResponseError,
} from './codec.js';

/**
 * Why a call to the model server failed. `unavailable`: nothing answered, or it kept answering 502/503/504 until
 * the retry deadline (a scaled-to-zero predictor still starting); `timeout`: one request took longer than the
 * per-request timeout; `bad_response`: it answered something unusable; `rejected`: it refused this request (4xx).
 * A 404 (unknown model) is final at once, whatever the server's readiness: the model server answers 503, not
 * 404, while it is still reading its repository.
 */
export type ModelServerFailure = 'unavailable' | 'timeout' | 'bad_response' | 'rejected';

/**
 * The status the backend answers when the model server fails it. A `rejected` request is not listed: what it means
 * depends on the call (an unknown model, an image refused as too large or unprocessable).
 */
export const failureStatus = {
  unavailable: 503,
  timeout: 504,
  bad_response: 502,
} as const satisfies Record<Exclude<ModelServerFailure, 'rejected'>, number>;

export class ModelServerError extends Error {
  constructor(
    readonly failure: ModelServerFailure,
    message: string,
    readonly upstreamStatus: number | null = null,
    readonly attempts = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelServerError';
  }
}

export interface ModelClientOptions {
  baseUrl: string;
  requestTimeoutMs: number;
  retryDeadlineMs: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called before each retry; for logs and metrics. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface DetectOptions {
  model: string;
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

const modelIndexSchema = z.array(
  z.object({
    name: z.string(),
    version: z.union([z.string(), z.number()]).nullish(),
    state: z.string().optional(),
    reason: z.string().optional(),
  }),
);
export type ModelIndexEntry = { name: string; version: string | null; state: string; reason: string };

const retryableStatuses = new Set([502, 503, 504]);
const retryableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Open Inference Protocol client for the model server: binary image upload, per-request timeout, retry until a deadline. */
export class ModelClient {
  readonly baseUrl: string;
  private readonly options: Required<Omit<ModelClientOptions, 'onRetry'>> &
    Pick<ModelClientOptions, 'onRetry'>;

  constructor(options: ModelClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = { initialBackoffMs: 100, maxBackoffMs: 2_000, ...options };
  }

  /** Runs detection on one encoded image. Throws {@link ModelServerError}. */
  async detect(image: Uint8Array, options: DetectOptions): Promise<DetectResult> {
    const path = `/v2/models/${encodeURIComponent(options.model)}/infer`;
    const { body, headerLength } = encodeInferRequest(
      options.requestId ?? randomUUID(),
      image,
      options.scoreThreshold === undefined ? {} : { score_threshold: options.scoreThreshold },
    );
    const started = performance.now();
    const deadline = Date.now() + this.options.retryDeadlineMs;
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const attemptStarted = performance.now();
      try {
        const response = await this.send(path, {
          method: 'POST',
          headers: {
            'content-type': 'application/octet-stream',
            'inference-header-content-length': String(headerLength),
          },
          body,
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (response.ok) {
          const header = response.headers.get('inference-header-content-length');
          const decoded = decodeInferResponse(bytes, header === null ? null : Number.parseInt(header, 10));
          return { ...decoded, attempts: attempt, inferenceMs: performance.now() - attemptStarted };
        }
        throw httpError(response.status, bytes, attempt);
      } catch (error) {
        const failure = asModelServerError(error, attempt, this.options.requestTimeoutMs);
        const reason = retryReason(error, failure);
        if (reason === null) throw failure;
        const delayMs = this.backoff(attempt);
        if (Date.now() + delayMs > deadline) {
          throw new ModelServerError(
            'unavailable',
            `model server at ${this.baseUrl} is unavailable after ${attempt} attempt(s) over ${Math.round(performance.now() - started)} ms: ${reason}`,
            failure.upstreamStatus,
            attempt,
            { cause: error },
          );
        }
        this.options.onRetry?.({ attempt, delayMs, reason });
        await sleep(delayMs);
      }
    }
  }

  /** The model server's model repository index (`POST /v2/repository/index`). */
  async listModels(): Promise<ModelIndexEntry[]> {
    let response: Response;
    try {
      response = await this.send('/v2/repository/index', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    } catch (error) {
      throw asModelServerError(error, 1, this.options.requestTimeoutMs);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) throw httpError(response.status, bytes, 1);
    let parsed: ReturnType<typeof modelIndexSchema.safeParse>;
    try {
      parsed = modelIndexSchema.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    } catch {
      throw new ModelServerError(
        'bad_response',
        'model server returned a repository index that is not JSON',
        200,
      );
    }
    if (!parsed.success)
      throw new ModelServerError('bad_response', 'model server returned a malformed repository index', 200);
    return parsed.data.map((entry) => ({
      name: entry.name,
      version: entry.version === undefined || entry.version === null ? null : String(entry.version),
      state: entry.state ?? 'UNKNOWN',
      reason: entry.reason ?? '',
    }));
  }

  /** Asks `GET /v2/health/ready` once, with a short timeout; never throws. */
  async readiness(timeoutMs = 2_000): Promise<ModelServerReadiness> {
    const started = performance.now();
    try {
      const response = await fetch(`${this.baseUrl}/v2/health/ready`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      const latency_ms = Math.round(performance.now() - started);
      if (response.ok) return { status: 'ready', latency_ms };
      if (retryableStatuses.has(response.status)) {
        return {
          status: 'cold',
          latency_ms,
          detail: `model server answered ${response.status} (starting or not ready)`,
        };
      }
      return { status: 'unavailable', detail: `model server answered ${response.status}` };
    } catch (error) {
      if (isTimeout(error)) {
        return {
          status: 'cold',
          latency_ms: Math.round(performance.now() - started),
          detail: `no answer within ${timeoutMs} ms (scaling up from zero?)`,
        };
      }
      return { status: 'unavailable', detail: describeNetworkError(error) };
    }
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs),
    });
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(
      this.options.maxBackoffMs,
      this.options.initialBackoffMs * 2 ** (attempt - 1),
    );
    return Math.round(exponential * (0.5 + Math.random() * 0.5));
  }
}

function httpError(status: number, body: Uint8Array, attempts: number): ModelServerError {
  const upstreamMessage = extractErrorMessage(body);
  const message = `model server answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`;
  if (status >= 400 && status < 500) return new ModelServerError('rejected', message, status, attempts);
  if (retryableStatuses.has(status)) return new ModelServerError('unavailable', message, status, attempts);
  return new ModelServerError('bad_response', message, status, attempts);
}

function extractErrorMessage(body: Uint8Array): string {
  const text = Buffer.from(body).toString('utf8').slice(0, 2_000);
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON: fall back to the raw text.
  }
  return text.trim().slice(0, 300);
}

function asModelServerError(error: unknown, attempts: number, timeoutMs: number): ModelServerError {
  if (error instanceof ModelServerError) return error;
  if (error instanceof InferResponseError)
    return new ModelServerError('bad_response', error.message, 200, attempts);
  if (isTimeout(error)) {
    return new ModelServerError(
      'timeout',
      `model server did not answer within ${timeoutMs} ms`,
      null,
      attempts,
      {
        cause: error,
      },
    );
  }
  return new ModelServerError(
    'unavailable',
    `model server unreachable: ${describeNetworkError(error)}`,
    null,
    attempts,
    {
      cause: error,
    },
  );
}

function retryReason(error: unknown, failure: ModelServerError): string | null {
  if (failure.failure === 'unavailable' && failure.upstreamStatus !== null) return failure.message;
  const code = networkErrorCode(error);
  if (code !== null && retryableCodes.has(code)) return `connection failed (${code})`;
  return null;
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function networkErrorCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function describeNetworkError(error: unknown): string {
  const code = networkErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
