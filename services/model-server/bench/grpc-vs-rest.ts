/**
 * The gRPC section of `pnpm bench:model-server`: the production bundle serving REST and gRPC at once, the same
 * photos sent as REST binary requests (the backend's contract) and as gRPC ModelInfer calls with the image in
 * raw_input_contents, interleaved in rounds by the main benchmark's `compare`, so that both see the same noise.
 * Target (issue 17): gRPC p50 ≤ REST binary p50.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { credentials, Metadata, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { inferenceServiceDefinition } from '../src/protocol/grpc/service-definition.js';
import { IMAGE_GLIBC_ENVIRONMENT } from './image-environment.js';

type Call = (index: number) => Promise<void>;

interface Compared {
  latency: { p50_ms: number; p90_ms: number; p99_ms: number; mean_ms: number; requests: number };
  throughput: Array<{ concurrency: number; throughput_rps: number }>;
  best_throughput_rps: number;
}

export interface GrpcVersusRestOptions {
  /** The production bundle, `dist/index.js`. */
  bundle: string;
  modelRepository: string;
  model: string;
  photos: readonly Uint8Array[];
  ports: { rest: number; grpc: number };
  /** The main benchmark's interleaved comparison (latency at concurrency 1, throughput per concurrency). */
  compare: (ways: Record<string, Call>, rounds: number) => Promise<Record<string, Compared>>;
  /** The main benchmark's REST binary call against a server URL. */
  restBinaryCall: (url: string) => Call;
  rounds: number;
}

/** The image as one length-prefixed BYTES element, as raw_input_contents carries it. */
function lengthPrefixed(image: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + image.length);
  out.writeUInt32LE(image.length, 0);
  out.set(image, 4);
  return out;
}

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/v2/health/ready`).catch(() => null);
    await response?.arrayBuffer();
    if (response?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function grpcVersusRest(options: GrpcVersusRestOptions) {
  const child: ChildProcess = spawn(process.execPath, [options.bundle], {
    env: {
      PATH: process.env.PATH,
      PORT: String(options.ports.rest),
      GRPC_PORT: String(options.ports.grpc),
      HOST: '127.0.0.1',
      MODEL_REPOSITORY: options.modelRepository,
      LOG_LEVEL: 'warn',
      ...IMAGE_GLIBC_ENVIRONMENT,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${options.ports.rest}`;
  const Client = makeClientConstructor(inferenceServiceDefinition(), 'GRPCInferenceService');
  const client = new Client(`127.0.0.1:${options.ports.grpc}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.enable_retries': 0,
    'grpc.enable_channelz': 0,
  }) as unknown as Record<
    string,
    (request: object, metadata: Metadata, callback: (error: ServiceError | null) => void) => void
  > & { close(): void };
  const requests = options.photos.map((photo) => ({
    model_name: options.model,
    inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
    raw_input_contents: [lengthPrefixed(photo)],
  }));
  const grpcCall: Call = (i) =>
    new Promise((resolve, reject) =>
      client.ModelInfer!(requests[i % requests.length]!, new Metadata(), (error) =>
        error ? reject(new Error(`gRPC ${error.code}: ${error.details}`)) : resolve(),
      ),
    );
  try {
    await untilReady(url);
    const compared = await options.compare(
      { rest_binary: options.restBinaryCall(url), grpc: grpcCall },
      options.rounds,
    );
    const rest = compared.rest_binary!;
    const grpc = compared.grpc!;
    const round3 = (value: number) => Math.round(value * 1000) / 1000;
    const ratios = {
      grpc_p50_over_rest_binary_p50: round3(grpc.latency.p50_ms / rest.latency.p50_ms),
      grpc_best_throughput_over_rest_binary: round3(grpc.best_throughput_rps / rest.best_throughput_rps),
    };
    return {
      rest_binary: rest,
      grpc,
      ratios,
      target_grpc_p50_at_most_rest_binary_p50: grpc.latency.p50_ms <= rest.latency.p50_ms,
      method:
        'one server process (REST and gRPC), REST binary requests over keep-alive node:http and gRPC ModelInfer (raw_input_contents) over one grpc-js channel, interleaved in rounds',
    };
  } finally {
    client.close();
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}
