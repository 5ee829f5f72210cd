import { randomUUID } from 'node:crypto';
import { inferenceServiceDefinition } from '@detection/model-server/grpc';
import {
  type Client,
  credentials,
  Metadata,
  makeClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import {
  decodeBinaryTensor,
  detectionOutputNames,
  detectionsFromTensors,
  InferResponseError,
  lengthPrefixed,
} from './codec.js';
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

export interface GrpcModelClientOptions extends RetryPolicy {
  /** host:port of the model server's gRPC port. */
  address: string;
}

/** The HTTP status each gRPC code stands for (Triton's table), so that callers handle both transports alike. */
const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.NOT_FOUND]: 404,
  [status.RESOURCE_EXHAUSTED]: 413,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
};

interface InferAnswer {
  model_name: string;
  model_version?: string;
  parameters?: Record<string, { parameter_choice?: string; [choice: string]: unknown }>;
  outputs?: Array<{ name: string; datatype: string; shape?: string[] }>;
  raw_output_contents?: Uint8Array[];
}

type InferenceClient = Client &
  Record<
    string,
    (
      request: object,
      metadata: Metadata,
      options: { deadline: number },
      callback: (error: ServiceError | null, answer: never) => void,
    ) => void
  >;

/**
 * Open Inference Protocol gRPC client for the model server (`inference.GRPCInferenceService`): the image as raw
 * input contents, outputs back as raw contents, per-request deadline, retry until a deadline like the REST client.
 */
export class GrpcModelClient implements ModelClient {
  readonly baseUrl: string;
  private readonly client: InferenceClient;

  constructor(private readonly options: GrpcModelClientOptions) {
    this.baseUrl = `grpc://${options.address}`;
    const Client = makeClientConstructor(inferenceServiceDefinition(), 'GRPCInferenceService');
    this.client = new Client(options.address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
      // retryUntilDeadline retries; grpc-js's own retries would buffer every request for nothing.
      'grpc.enable_retries': 0,
      'grpc.enable_channelz': 0,
      // Reconnect to a server that is starting as quickly as the REST client retries (grpc-js waits up to 120 s).
      'grpc.initial_reconnect_backoff_ms': options.initialBackoffMs ?? 100,
      'grpc.max_reconnect_backoff_ms': options.maxBackoffMs ?? 2_000,
    }) as InferenceClient;
  }

  async detect(image: Uint8Array, options: DetectOptions): Promise<DetectResult> {
    const request = {
      model_name: options.model,
      ...(options.version !== undefined && { model_version: options.version }),
      id: options.requestId ?? randomUUID(),
      ...(options.scoreThreshold !== undefined && {
        parameters: { score_threshold: { double_param: options.scoreThreshold } },
      }),
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
      outputs: detectionOutputNames.map((name) => ({ name })),
      raw_input_contents: [lengthPrefixed(image)],
    };
    return retryUntilDeadline(
      this.options,
      this.baseUrl,
      async (attempt) => {
        const started = performance.now();
        const answer = await this.call<InferAnswer>(
          'ModelInfer',
          request,
          this.options.requestTimeoutMs,
          options.requestId,
        );
        return { ...decodeAnswer(answer), attempts: attempt, inferenceMs: performance.now() - started };
      },
      (error, attempts) => this.classify(error, attempts),
    );
  }

  async listModels(): Promise<ModelIndexEntry[]> {
    let answer: { models?: Array<{ name: string; version?: string; state?: string; reason?: string }> };
    try {
      answer = await this.call('RepositoryIndex', {}, this.options.requestTimeoutMs);
    } catch (error) {
      throw this.classify(error, 1).failure;
    }
    return (answer.models ?? []).map((entry) => ({
      name: entry.name,
      version: entry.version ? entry.version : null,
      state: entry.state ?? 'UNKNOWN',
      reason: entry.reason ?? '',
    }));
  }

  async readiness(timeoutMs = 2_000): Promise<ModelServerReadiness> {
    const started = performance.now();
    try {
      const { ready } = await this.call<{ ready?: boolean }>('ServerReady', {}, timeoutMs);
      const latency_ms = Math.round(performance.now() - started);
      if (ready) return { status: 'ready', latency_ms };
      return { status: 'cold', latency_ms, detail: 'model server answered not ready (starting)' };
    } catch (error) {
      const serviceError = error as ServiceError;
      if (serviceError.code === status.DEADLINE_EXCEEDED) {
        return {
          status: 'cold',
          latency_ms: Math.round(performance.now() - started),
          detail: `no answer within ${timeoutMs} ms (scaling up from zero?)`,
        };
      }
      return {
        status: 'unavailable',
        detail: `${status[serviceError.code] ?? 'error'}: ${withoutAddresses(serviceError.details ?? '')}`,
      };
    }
  }

  close(): void {
    this.client.close();
  }

  private call<T>(method: string, request: object, timeoutMs: number, requestId?: string): Promise<T> {
    const metadata = new Metadata();
    if (requestId) metadata.set('x-request-id', requestId);
    return new Promise((resolve, reject) =>
      this.client[method]!(request, metadata, { deadline: Date.now() + timeoutMs }, (error, answer) =>
        error ? reject(error) : resolve(answer as T),
      ),
    );
  }

  /**
   * UNAVAILABLE with a `retry-after` trailer is a busy server, passed on at once like a 503 with Retry-After; other
   * UNAVAILABLE (not listening yet, or not ready) is retried like a 503; a deadline is a timeout; the rest is final.
   */
  private classify(error: unknown, attempts: number): AttemptFailure {
    if (error instanceof InferResponseError) {
      return {
        failure: new ModelServerError('bad_response', error.message, 200, attempts),
        retryReason: null,
      };
    }
    const { code, details } = error as ServiceError;
    const upstream = HTTP_STATUS[code] ?? 500;
    const message = `model server answered ${status[code] ?? code}${details ? `: ${details}` : ''}`;
    if (code === status.DEADLINE_EXCEEDED) {
      const failure = new ModelServerError(
        'timeout',
        `model server did not answer within ${this.options.requestTimeoutMs} ms`,
        null,
        attempts,
        { cause: error },
      );
      return { failure, retryReason: null };
    }
    const retryAfter = (error as ServiceError).metadata?.get('retry-after')[0];
    if (code === status.UNAVAILABLE && retryAfter !== undefined) {
      const failure = new ModelServerError('overloaded', message, upstream, attempts, {
        retryAfterSeconds: Math.min(60, Math.max(1, Math.ceil(Number(retryAfter) || 1))),
      });
      return { failure, retryReason: null };
    }
    if (code === status.UNAVAILABLE) {
      return {
        failure: new ModelServerError('unavailable', message, upstream, attempts, { cause: error }),
        retryReason: message,
      };
    }
    if (upstream >= 400 && upstream < 500) {
      return { failure: new ModelServerError('rejected', message, upstream, attempts), retryReason: null };
    }
    return { failure: new ModelServerError('bad_response', message, upstream, attempts), retryReason: null };
  }
}

/** A ModelInferResponse with raw output contents → the detections. */
function decodeAnswer(answer: InferAnswer): ReturnType<typeof detectionsFromTensors> {
  const outputs = answer.outputs ?? [];
  const raw = answer.raw_output_contents ?? [];
  if (raw.length !== outputs.length) {
    throw new InferResponseError(`${outputs.length} outputs but ${raw.length} raw output contents`);
  }
  const tensors = new Map(outputs.map((output, i) => [output.name, decodeBinaryTensor(output, raw[i]!)]));
  const parameters = Object.fromEntries(
    Object.entries(answer.parameters ?? {}).map(([name, parameter]) => {
      const value = parameter[parameter.parameter_choice ?? ''];
      return [name, parameter.parameter_choice?.endsWith('int64_param') ? Number(value) : value];
    }),
  );
  return detectionsFromTensors(tensors, {
    modelName: answer.model_name,
    modelVersion: answer.model_version ? answer.model_version : null,
    parameters,
  });
}

/** /ready is public: grpc-js puts the address it dialled in its details ("connect ECONNREFUSED 10.0.0.7:9000"). */
function withoutAddresses(details: string): string {
  return details
    .replace(/\[?[0-9a-f]*:[0-9a-f:.]+\]?:\d+/gi, '<address>')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '<address>');
}
