import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { decodeInferResponse, encodeInferRequest, InferResponseError } from './codec.js';
import {
  type AttemptFailure,
  type DetectOptions,
  type DetectResult,
  type ModelClient,
  type ModelIndexEntry,
  ModelServerError,
  type ModelServerReadiness,
  type RetryPolicy,
  retryUntilDeadline,
} from './model-client.js';

export interface RestModelClientOptions extends RetryPolicy {
  baseUrl: string;
}

const modelIndexSchema = z.array(
  z.object({
    name: z.string(),
    version: z.union([z.string(), z.number()]).nullish(),
    state: z.string().optional(),
    reason: z.string().optional(),
  }),
);

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

/** Open Inference Protocol REST client for the model server: binary image upload, per-request timeout, retry until a deadline. */
export class RestModelClient implements ModelClient {
  readonly baseUrl: string;

  constructor(private readonly options: RestModelClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async detect(image: Uint8Array, options: DetectOptions): Promise<DetectResult> {
    const version = options.version === undefined ? '' : `/versions/${encodeURIComponent(options.version)}`;
    const path = `/v2/models/${encodeURIComponent(options.model)}${version}/infer`;
    const { body, headerLength } = encodeInferRequest(
      options.requestId ?? randomUUID(),
      image,
      options.scoreThreshold === undefined ? {} : { score_threshold: options.scoreThreshold },
    );
    const baseUrl = options.baseUrl?.replace(/\/+$/, '') ?? this.baseUrl;
    return retryUntilDeadline(
      this.options,
      baseUrl,
      async (attempt) => {
        const attemptStarted = performance.now();
        const response = await this.send(
          path,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/octet-stream',
              'inference-header-content-length': String(headerLength),
            },
            body,
          },
          baseUrl,
        );
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (!response.ok) throw httpError(response, bytes, attempt);
        const header = response.headers.get('inference-header-content-length');
        const decoded = decodeInferResponse(bytes, header === null ? null : Number.parseInt(header, 10));
        return { ...decoded, attempts: attempt, inferenceMs: performance.now() - attemptStarted };
      },
      (error, attempts) => classify(error, attempts, this.options.requestTimeoutMs),
    );
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
    if (!response.ok) throw httpError(response, bytes, 1);
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

  close(): void {}

  private async send(path: string, init: RequestInit, baseUrl = this.baseUrl): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs),
    });
  }
}

function httpError(response: Response, body: Uint8Array, attempts: number): ModelServerError {
  const { status } = response;
  const upstreamMessage = extractErrorMessage(body);
  const message = `model server answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`;
  // A server that is up but full says when to come back; a cold or starting one (Knative's activator and
  // queue-proxy included) answers 502/503/504 without Retry-After and is retried until the deadline.
  const retryAfter = response.headers.get('retry-after');
  if (status === 429 || (status === 503 && retryAfter !== null)) {
    return new ModelServerError('overloaded', message, status, attempts, {
      retryAfterSeconds: retryAfterSeconds(retryAfter),
    });
  }
  if (status >= 400 && status < 500) return new ModelServerError('rejected', message, status, attempts);
  if (retryableStatuses.has(status)) return new ModelServerError('unavailable', message, status, attempts);
  return new ModelServerError('bad_response', message, status, attempts);
}

/** `Retry-After` as whole seconds (delta-seconds or an HTTP date), at least 1, at most 60; 1 when absent or unreadable. */
function retryAfterSeconds(header: string | null): number {
  if (header === null) return 1;
  const seconds = /^\s*\d+\s*$/.test(header) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  return Number.isFinite(seconds) ? Math.min(60, Math.max(1, Math.ceil(seconds))) : 1;
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

/** 502/503/504 and connection failures are retried; everything else is final. */
function classify(error: unknown, attempts: number, timeoutMs: number): AttemptFailure {
  const failure = asModelServerError(error, attempts, timeoutMs);
  if (failure.failure === 'unavailable' && failure.upstreamStatus !== null) {
    return { failure, retryReason: failure.message };
  }
  const code = networkErrorCode(error);
  if (code !== null && retryableCodes.has(code))
    return { failure, retryReason: `connection failed (${code})` };
  return { failure, retryReason: null };
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
