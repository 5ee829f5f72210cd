/**
 * One Open Inference Protocol client interface over both transports, for the test cases that run against REST
 * and gRPC alike: REST over real HTTP (fetch), gRPC with @grpc/grpc-js and the vendored protos (encoded by
 * protobufjs, independently of the server's own decoder). Answers are normalised to one shape, and failures
 * become an {@link OipError} with a transport-neutral kind.
 */
import {
  type Client,
  credentials,
  Metadata,
  makeClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { inferenceServiceDefinition } from '../../src/protocol/grpc/service-definition.js';

export type Transport = 'rest' | 'grpc';
export type ErrorKind = 'invalid' | 'not_found' | 'too_large' | 'unavailable' | 'internal';

export class OipError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** The HTTP status or the gRPC status code name. */
    readonly code: number | string,
  ) {
    super(message);
  }
}

export type TensorValues = Float32Array | Int32Array | Uint8Array | BigInt64Array | Uint8Array[];

export interface ClientTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: TensorValues;
}

export interface ClientInferRequest {
  id?: string;
  parameters?: Record<string, string | number | boolean>;
  inputs: ClientTensor[];
  outputs?: Array<{ name: string }>;
  /** REST: JSON header + binary tensors (else JSON only); gRPC: raw_input_contents (else typed contents). */
  binary?: boolean;
}

export interface ClientOutput {
  name: string;
  datatype: string;
  shape: number[];
  /** Numbers, or strings for BYTES. */
  data: Array<number | string>;
}

export interface ClientInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters: Record<string, string | number | boolean>;
  outputs: ClientOutput[];
}

export interface MetadataTensor {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ClientModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: MetadataTensor[];
  outputs: MetadataTensor[];
  properties: Record<string, string>;
}

export interface ClientIndexEntry {
  name: string;
  version?: string;
  state: string;
  reason: string;
}

export interface OipClient {
  readonly transport: Transport;
  live(): Promise<boolean>;
  ready(): Promise<boolean>;
  serverMetadata(): Promise<{ name: string; version: string; extensions: string[] }>;
  modelMetadata(name: string, version?: string): Promise<ClientModelMetadata>;
  /** False when the model exists but cannot serve; OipError not_found for an unknown model or version. */
  modelReady(name: string, version?: string): Promise<boolean>;
  infer(model: string, request: ClientInferRequest, version?: string): Promise<ClientInferResponse>;
  repositoryIndex(readyOnly?: boolean): Promise<ClientIndexEntry[]>;
  load(model: string): Promise<void>;
  unload(model: string): Promise<void>;
  close(): void;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** BYTES elements as the binary tensor extension and raw_input_contents carry them: 4-byte LE length, then bytes. */
export function lengthPrefixed(elements: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(elements.reduce((sum, element) => sum + 4 + element.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const element of elements) {
    view.setUint32(offset, element.length, true);
    out.set(element, offset + 4);
    offset += 4 + element.length;
  }
  return out;
}

function rawBytes(data: TensorValues): Uint8Array {
  return Array.isArray(data)
    ? lengthPrefixed(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function readBytesElements(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = view.getUint32(offset, true);
    out.push(utf8.decode(bytes.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return out;
}

function fromBinary(datatype: string, bytes: Uint8Array): Array<number | string> {
  const copy = new Uint8Array(bytes); // aligned, and a copy even of a pooled Buffer
  switch (datatype) {
    case 'BYTES':
      return readBytesElements(bytes);
    case 'FP32':
      return Array.from(new Float32Array(copy.buffer));
    case 'INT32':
      return Array.from(new Int32Array(copy.buffer));
    case 'INT64':
      return Array.from(new BigInt64Array(copy.buffer), Number);
    case 'UINT8':
    case 'BOOL':
      return Array.from(copy);
    default:
      throw new Error(`the test client does not read ${datatype}`);
  }
}

const REST_KINDS: Record<number, ErrorKind> = {
  400: 'invalid',
  404: 'not_found',
  413: 'too_large',
  500: 'internal',
  503: 'unavailable',
};

/** REST over real HTTP to `baseUrl`. */
export function restClient(baseUrl: string): OipClient {
  const call = async (path: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${baseUrl}${path}`, init);
    if (response.ok) return response;
    const body = (await response.json()) as { error: string };
    throw new OipError(REST_KINDS[response.status] ?? 'internal', body.error, response.status);
  };
  const json = async <T>(path: string, init?: RequestInit) => (await (await call(path, init)).json()) as T;
  const modelPath = (name: string, version?: string) =>
    `/v2/models/${encodeURIComponent(name)}${version === undefined ? '' : `/versions/${encodeURIComponent(version)}`}`;
  return {
    transport: 'rest',
    live: async () => (await json<{ live: boolean }>('/v2/health/live')).live,
    ready: async () => {
      const response = await fetch(`${baseUrl}/v2/health/ready`);
      await response.arrayBuffer();
      return response.status === 200;
    },
    serverMetadata: () => json('/v2'),
    modelMetadata: async (name, version) => {
      const metadata = await json<Partial<ClientModelMetadata>>(modelPath(name, version));
      return { ...(metadata as ClientModelMetadata), properties: metadata.properties ?? {} };
    },
    modelReady: async (name, version) => {
      try {
        return (await json<{ ready: boolean }>(`${modelPath(name, version)}/ready`)).ready;
      } catch (error) {
        if (error instanceof OipError && error.kind === 'unavailable') return false;
        throw error;
      }
    },
    infer: async (model, request, version) => {
      const header = {
        ...(request.id !== undefined && { id: request.id }),
        ...(request.parameters && { parameters: request.parameters }),
        ...(request.outputs && { outputs: request.outputs }),
      };
      let init: RequestInit;
      if (request.binary) {
        const parts = request.inputs.map((input) => rawBytes(input.data));
        const head = encoder.encode(
          JSON.stringify({
            ...header,
            inputs: request.inputs.map(({ name, datatype, shape }, i) => ({
              name,
              datatype,
              shape,
              parameters: { binary_data_size: parts[i]!.length },
            })),
          }),
        );
        init = {
          method: 'POST',
          headers: {
            'content-type': 'application/octet-stream',
            'inference-header-content-length': String(head.length),
          },
          body: Buffer.concat([head, ...parts]),
        };
      } else {
        init = {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            ...header,
            inputs: request.inputs.map(({ name, datatype, shape, data }) => ({
              name,
              datatype,
              shape,
              ...(Array.isArray(data) && { parameters: { content_type: 'base64' } }),
              data: Array.isArray(data)
                ? data.map((element) => Buffer.from(element).toString('base64'))
                : Array.from(data as ArrayLike<number | bigint>, Number),
            })),
          }),
        };
      }
      const response = await call(`${modelPath(model, version)}/infer`, init);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const headerLength = Number(response.headers.get('inference-header-content-length') ?? bytes.length);
      const body = JSON.parse(utf8.decode(bytes.subarray(0, headerLength))) as Omit<
        ClientInferResponse,
        'outputs'
      > & {
        outputs: Array<ClientOutput & { parameters?: { binary_data_size?: number } }>;
      };
      let offset = headerLength;
      return {
        ...body,
        parameters: body.parameters ?? {},
        outputs: body.outputs.map(({ name, datatype, shape, data, parameters }) => {
          const size = parameters?.binary_data_size;
          if (size === undefined) return { name, datatype, shape, data };
          offset += size;
          return { name, datatype, shape, data: fromBinary(datatype, bytes.subarray(offset - size, offset)) };
        }),
      };
    },
    repositoryIndex: (readyOnly = false) =>
      json('/v2/repository/index', { method: 'POST', body: JSON.stringify({ ready: readyOnly }) }),
    load: async (model) => {
      await json(`/v2/repository/models/${encodeURIComponent(model)}/load`, { method: 'POST' });
    },
    unload: async (model) => {
      await json(`/v2/repository/models/${encodeURIComponent(model)}/unload`, { method: 'POST' });
    },
    close: () => undefined,
  };
}

const GRPC_KINDS: Partial<Record<status, ErrorKind>> = {
  [status.INVALID_ARGUMENT]: 'invalid',
  [status.NOT_FOUND]: 'not_found',
  [status.RESOURCE_EXHAUSTED]: 'too_large',
  [status.UNAVAILABLE]: 'unavailable',
  [status.INTERNAL]: 'internal',
};

/** The protocol's contents field per datatype, written out here rather than taken from the server under test. */
const CONTENTS_FIELD: Record<string, string> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

interface GrpcParameter {
  parameter_choice: string;
  [choice: string]: unknown;
}

const parameterOf = (value: string | number | boolean): Record<string, unknown> =>
  typeof value === 'boolean'
    ? { bool_param: value }
    : typeof value === 'string'
      ? { string_param: value }
      : Number.isInteger(value)
        ? { int64_param: value }
        : { double_param: value };

const parametersOf = (map: Record<string, GrpcParameter> | undefined) =>
  Object.fromEntries(
    Object.entries(map ?? {}).map(([name, parameter]) => {
      const value = parameter[parameter.parameter_choice];
      return [name, parameter.parameter_choice.includes('int64') ? Number(value) : value];
    }),
  ) as Record<string, string | number | boolean>;

export type GrpcInferenceClient = Client &
  Record<
    string,
    (
      request: object,
      metadata: Metadata,
      callback: (error: ServiceError | null, response: never) => void,
    ) => void
  >;

/** A grpc-js client of inference.GRPCInferenceService at `address` (host:port). */
export function grpcInferenceClient(
  address: string,
  options: Record<string, number> = {},
): GrpcInferenceClient {
  const Constructor = makeClientConstructor(inferenceServiceDefinition(), 'GRPCInferenceService');
  return new Constructor(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    ...options,
  }) as GrpcInferenceClient;
}

/** gRPC to `address` (host:port). */
export function grpcClient(address: string): OipClient {
  const client = grpcInferenceClient(address);
  const call = <T>(method: string, request: object): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method]!(request, new Metadata(), (error, response) => {
        if (!error) return resolve(response as T);
        reject(new OipError(GRPC_KINDS[error.code] ?? 'internal', error.details, status[error.code]));
      }),
    );
  const tensorOf = (tensor: { name: string; datatype: string; shape: string[] }): MetadataTensor => ({
    name: tensor.name,
    datatype: tensor.datatype,
    shape: tensor.shape.map(Number),
  });
  return {
    transport: 'grpc',
    live: async () => (await call<{ live?: boolean }>('ServerLive', {})).live ?? false,
    ready: async () => (await call<{ ready?: boolean }>('ServerReady', {})).ready ?? false,
    serverMetadata: async () => {
      const metadata = await call<{ name: string; version: string; extensions?: string[] }>(
        'ServerMetadata',
        {},
      );
      return { name: metadata.name, version: metadata.version, extensions: metadata.extensions ?? [] };
    },
    modelMetadata: async (name, version) => {
      const metadata = await call<{
        name: string;
        versions?: string[];
        platform: string;
        inputs?: Array<{ name: string; datatype: string; shape: string[] }>;
        outputs?: Array<{ name: string; datatype: string; shape: string[] }>;
        properties?: Record<string, string>;
      }>('ModelMetadata', { name, ...(version !== undefined && { version }) });
      return {
        name: metadata.name,
        versions: metadata.versions ?? [],
        platform: metadata.platform,
        inputs: (metadata.inputs ?? []).map(tensorOf),
        outputs: (metadata.outputs ?? []).map(tensorOf),
        properties: metadata.properties ?? {},
      };
    },
    modelReady: async (name, version) =>
      (await call<{ ready?: boolean }>('ModelReady', { name, ...(version !== undefined && { version }) }))
        .ready ?? false,
    infer: async (model, request, version) => {
      const response = await call<{
        model_name: string;
        model_version: string;
        id?: string;
        parameters?: Record<string, GrpcParameter>;
        outputs?: Array<{
          name: string;
          datatype: string;
          shape: string[];
          contents?: Record<string, unknown[]>;
        }>;
        raw_output_contents?: Buffer[];
      }>('ModelInfer', {
        model_name: model,
        ...(version !== undefined && { model_version: version }),
        ...(request.id !== undefined && { id: request.id }),
        ...(request.parameters && {
          parameters: Object.fromEntries(
            Object.entries(request.parameters).map(([name, value]) => [name, parameterOf(value)]),
          ),
        }),
        inputs: request.inputs.map(({ name, datatype, shape, data }) => ({
          name,
          datatype,
          shape,
          ...(!request.binary && {
            contents: {
              [CONTENTS_FIELD[datatype]!]: Array.isArray(data)
                ? data
                : Array.from(data as ArrayLike<number | bigint>, (value) =>
                    typeof value === 'bigint' ? String(value) : value,
                  ),
            },
          }),
        })),
        ...(request.outputs && { outputs: request.outputs }),
        ...(request.binary && { raw_input_contents: request.inputs.map((input) => rawBytes(input.data)) }),
      });
      const raw = response.raw_output_contents ?? [];
      return {
        model_name: response.model_name,
        model_version: response.model_version,
        ...(response.id !== undefined && { id: response.id }),
        parameters: parametersOf(response.parameters),
        outputs: (response.outputs ?? []).map((output, i) => {
          const values =
            raw.length > 0
              ? fromBinary(output.datatype, raw[i]!)
              : (Object.values(output.contents ?? {})[0] ?? []).map((value) =>
                  Buffer.isBuffer(value)
                    ? utf8.decode(value)
                    : typeof value === 'string'
                      ? Number(value)
                      : (value as number),
                );
          return {
            name: output.name,
            datatype: output.datatype,
            shape: output.shape.map(Number),
            data: values,
          };
        }),
      };
    },
    repositoryIndex: async (readyOnly = false) =>
      (
        (await call<{ models?: ClientIndexEntry[] }>('RepositoryIndex', { ready: readyOnly })).models ?? []
      ).map((entry) => ({
        ...entry,
        reason: entry.reason ?? '',
        ...(entry.version ? {} : { version: undefined }),
      })),
    load: async (model) => {
      await call('RepositoryModelLoad', { model_name: model });
    },
    unload: async (model) => {
      await call('RepositoryModelUnload', { model_name: model });
    },
    close: () => client.close(),
  };
}
