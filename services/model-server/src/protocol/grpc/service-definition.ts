/**
 * The gRPC service `inference.GRPCInferenceService`, from the vendored protos in `proto/` (PROVENANCE.md there):
 * the Open Inference Protocol's six RPCs, KServe's RepositoryModelLoad/Unload and Triton's RepositoryIndex.
 * Shared by the model server and the backend's gRPC client (`@detection/model-server/grpc`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

export const SERVICE_NAME = 'inference.GRPCInferenceService';
export const OIP_PROTO = 'open_inference_grpc.proto';
export const KSERVE_PROTO = 'kserve_grpc_predict_v2.proto';
export const TRITON_INDEX_PROTO = 'triton_repository_index.proto';

/**
 * Field names as in the protos (`model_name`), 64-bit integers as decimal strings (no precision loss), unset
 * fields absent, the InferParameter oneof named in `parameter_choice`, bytes as Buffers.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

/**
 * Where the protos are: `proto/` beside a bundle (the builds copy them to `dist/proto/`), else the package's
 * `proto/` when running from its sources.
 */
export function protoDirectory(): string {
  const candidates = [new URL('./proto/', import.meta.url), new URL('../../../proto/', import.meta.url)].map(
    (url) => fileURLToPath(url),
  );
  const found = candidates.find((directory) => existsSync(path.join(directory, OIP_PROTO)));
  if (!found)
    throw new Error(`the gRPC protos are missing: looked for ${OIP_PROTO} in ${candidates.join(', ')}`);
  return found;
}

export type InferenceMethod =
  | 'ServerLive'
  | 'ServerReady'
  | 'ModelReady'
  | 'ServerMetadata'
  | 'ModelMetadata'
  | 'ModelInfer'
  | 'RepositoryIndex'
  | 'RepositoryModelLoad'
  | 'RepositoryModelUnload';

export type InferenceServiceDefinition = ServiceDefinition &
  Record<InferenceMethod, MethodDefinition<object, object>>;

function serviceOf(directory: string, file: string): ServiceDefinition {
  const definition = loadSync(path.join(directory, file), PROTO_LOADER_OPTIONS)[SERVICE_NAME];
  if (!definition || !('ServerLive' in definition || 'RepositoryIndex' in definition)) {
    throw new Error(`${file} does not define ${SERVICE_NAME}`);
  }
  return definition as ServiceDefinition;
}

let loaded: InferenceServiceDefinition | undefined;

/** Every RPC the server implements, each with the messages of the proto that defines it (loaded once). */
export function inferenceServiceDefinition(): InferenceServiceDefinition {
  if (loaded) return loaded;
  const directory = protoDirectory();
  const oip = serviceOf(directory, OIP_PROTO);
  const kserve = serviceOf(directory, KSERVE_PROTO);
  const triton = serviceOf(directory, TRITON_INDEX_PROTO);
  loaded = {
    ServerLive: oip.ServerLive!,
    ServerReady: oip.ServerReady!,
    ModelReady: oip.ModelReady!,
    ServerMetadata: oip.ServerMetadata!,
    ModelMetadata: oip.ModelMetadata!,
    ModelInfer: oip.ModelInfer!,
    RepositoryModelLoad: kserve.RepositoryModelLoad!,
    RepositoryModelUnload: kserve.RepositoryModelUnload!,
    RepositoryIndex: triton.RepositoryIndex!,
  };
  return loaded;
}
