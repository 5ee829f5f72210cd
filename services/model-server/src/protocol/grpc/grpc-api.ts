import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  type Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { DataPlane } from '../../dataplane.js';
import { errorMessage, InvalidInputError, ModelNotReadyError } from '../../errors.js';
import type { ServerMetrics } from '../../metrics.js';
import { inferRequestFromMessage, inferResponseToMessage, modelMetadataToMessage } from './infer-messages.js';
import { decodeModelInferRequest, type WireInferRequest } from './infer-request-decoder.js';
import type {
  ModelRequestMessage,
  RepositoryIndexRequestMessage,
  RepositoryIndexResponseMessage,
} from './messages.js';
import { type InferenceMethod, type InferenceServiceDefinition, SERVICE_NAME } from './service-definition.js';
import { type GrpcError, grpcErrorOf } from './status.js';

const QUIET_METHODS = new Set<InferenceMethod>(['ServerLive', 'ServerReady', 'ModelReady']);

export interface GrpcApiOptions {
  dataplane: DataPlane;
  metrics: ServerMetrics;
  logger: Logger;
  /** When set, RepositoryModelLoad and RepositoryModelUnload need `authorization: Bearer <token>` metadata. */
  repositoryToken?: string | null;
}

const REPOSITORY_CHANGES = new Set<InferenceMethod>(['RepositoryModelLoad', 'RepositoryModelUnload']);

/** Why a call that changes the repository is refused (UNAUTHENTICATED), or null when its token is right. */
function repositoryTokenRefusal(metadata: Metadata, token: string): string | null {
  const header = metadata.get('authorization')[0];
  if (header === undefined)
    return 'loading or unloading a model needs "authorization: Bearer <MODEL_REPOSITORY_TOKEN>"';
  const match = /^Bearer (.+)$/i.exec(String(header));
  if (!match) return 'the authorization metadata is not "Bearer <token>"';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token)) ? null : 'invalid repository token';
}

type Handler = (request: object, bytes: number) => object | Promise<object>;

/** The model a request names: `name` (ModelReady, ModelMetadata) or `model_name` (load, unload); required. */
function modelOf(request: ModelRequestMessage): { name: string; version: string | undefined } {
  const name = request.name || request.model_name;
  if (!name) throw new InvalidInputError('the request names no model');
  return { name, version: request.version || undefined };
}

/**
 * The GRPCInferenceService handlers over the data plane, as a service definition whose requests arrive as bytes:
 * each handler decodes its own message, so that undecodable protobuf is INVALID_ARGUMENT with a reason (grpc-js
 * would answer INTERNAL), and every call is logged and counted like a REST request.
 */
export function createGrpcApi(
  service: InferenceServiceDefinition,
  { dataplane, metrics, logger, repositoryToken }: GrpcApiOptions,
): {
  definition: Record<string, MethodDefinition<Buffer, object>>;
  implementation: UntypedServiceImplementation;
} {
  const handlers: Record<InferenceMethod, Handler> = {
    ServerLive: () => ({ live: dataplane.live().live }),
    ServerReady: () => ({ ready: dataplane.ready().ready }),
    ModelReady: (request) => {
      const { name, version } = modelOf(request);
      try {
        return { ready: dataplane.modelReady(name, version) };
      } catch (error) {
        if (error instanceof ModelNotReadyError) return { ready: false };
        throw error;
      }
    },
    ServerMetadata: () => dataplane.serverMetadata(),
    ModelMetadata: (request) => {
      const { name, version } = modelOf(request);
      return modelMetadataToMessage(dataplane.modelMetadata(name, version));
    },
    ModelInfer: async (request, bytes) => {
      const message = request as WireInferRequest;
      if (!message.model_name) throw new InvalidInputError('model_name is required');
      const version = message.model_version || undefined;
      dataplane.model(message.model_name, version);
      const { request: inferRequest, rawOutputs } = inferRequestFromMessage(message, bytes);
      return inferResponseToMessage(
        await dataplane.infer(message.model_name, version, inferRequest),
        rawOutputs,
      );
    },
    RepositoryIndex: async (request) => {
      const { repository_name: repository, ready } = request as RepositoryIndexRequestMessage;
      if (repository) {
        throw new InvalidInputError(
          `this server has one model repository: leave repository_name empty (got "${repository}")`,
        );
      }
      const models = await dataplane.repositoryIndex(ready ?? false);
      return { models } satisfies RepositoryIndexResponseMessage;
    },
    RepositoryModelLoad: async (request) => {
      const { name } = modelOf(request);
      await dataplane.loadModel(name);
      return { model_name: name, isLoaded: true };
    },
    RepositoryModelUnload: async (request) => {
      const { name } = modelOf(request);
      await dataplane.unloadModel(name);
      return { model_name: name, isUnloaded: true };
    },
  };

  const definition: Record<string, MethodDefinition<Buffer, object>> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const method of Object.keys(handlers) as InferenceMethod[]) {
    const original = service[method];
    const messageType = `${SERVICE_NAME.split('.')[0]}.${method}Request`;
    definition[method] = { ...original, requestDeserialize: (bytes: Buffer) => bytes };
    implementation[method] = async (
      call: ServerUnaryCall<Buffer, object>,
      callback: sendUnaryData<object>,
    ) => {
      const started = performance.now();
      const requestId = String(call.metadata.get('x-request-id')[0] ?? randomUUID());
      let outcome: GrpcError | null = null;
      let response: object | null = null;
      const refusal =
        repositoryToken && REPOSITORY_CHANGES.has(method)
          ? repositoryTokenRefusal(call.metadata, repositoryToken)
          : null;
      if (refusal !== null) outcome = { code: status.UNAUTHENTICATED, details: refusal, message: refusal };
      else
        try {
          let request: object;
          try {
            // ModelInfer has its own bounded decoder (its errors say what is wrong); the others are small messages.
            request =
              method === 'ModelInfer'
                ? decodeModelInferRequest(call.request)
                : original.requestDeserialize(call.request);
          } catch (error) {
            if (error instanceof InvalidInputError) throw error;
            throw new InvalidInputError(
              `the request is not a valid ${messageType} message: ${errorMessage(error)}`,
            );
          }
          response = await handlers[method](request, call.request.length);
        } catch (error) {
          outcome = grpcErrorOf(error);
          if (outcome.code === status.INTERNAL)
            logger.error({ err: error, request_id: requestId, method }, 'grpc call failed');
        }
      const code = outcome ? status[outcome.code] : 'OK';
      metrics.grpcRequest(method, code);
      const entry = {
        request_id: requestId,
        grpc_method: method,
        grpc_code: code,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        ...(outcome && { error: outcome.details }),
      };
      if (QUIET_METHODS.has(method) && !outcome) logger.debug(entry, 'grpc request');
      else logger.info(entry, 'grpc request');
      if (outcome) callback(outcome);
      else callback(null, response);
    };
  }
  return { definition, implementation };
}
