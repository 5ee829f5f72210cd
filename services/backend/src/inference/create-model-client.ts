import type { Env } from '../env.js';
import { GrpcModelClient } from './grpc-model-client.js';
import type { ModelClient, RetryPolicy } from './model-client.js';
import { RestModelClient } from './rest-model-client.js';

/** The model client of MODEL_SERVER_PROTOCOL: REST to MODEL_SERVER_URL, or gRPC to MODEL_SERVER_GRPC_ADDRESS. */
export function createModelClient(
  env: Pick<Env, 'MODEL_SERVER_PROTOCOL' | 'MODEL_SERVER_URL' | 'MODEL_SERVER_GRPC_ADDRESS'>,
  policy: RetryPolicy,
): ModelClient {
  return env.MODEL_SERVER_PROTOCOL === 'grpc'
    ? new GrpcModelClient({ ...policy, address: env.MODEL_SERVER_GRPC_ADDRESS })
    : new RestModelClient({ ...policy, baseUrl: env.MODEL_SERVER_URL });
}
