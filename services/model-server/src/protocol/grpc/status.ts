import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { ModelBusyError, ModelServerError } from '../../errors.js';

/** The gRPC status of each domain error, as KServe's and Triton's gRPC servers map them. */
const STATUS_OF: Record<ModelServerError['status'], status> = {
  400: status.INVALID_ARGUMENT,
  404: status.NOT_FOUND,
  413: status.RESOURCE_EXHAUSTED,
  500: status.INTERNAL,
  503: status.UNAVAILABLE,
};

export type GrpcError = Partial<ServiceError> & { code: status; details: string };

/**
 * A thrown value as a gRPC status: domain errors keep their message, anything else is INTERNAL. A busy model
 * (UNAVAILABLE because its queue is full, not because it is starting) carries a `retry-after` trailer, as its
 * REST answer carries `Retry-After`, so that a client passes the backpressure on instead of retrying.
 */
export function grpcErrorOf(error: unknown): GrpcError {
  if (error instanceof ModelServerError) {
    const grpcError: GrpcError = {
      code: STATUS_OF[error.status],
      details: error.message,
      message: error.message,
      name: error.name,
    };
    if (error instanceof ModelBusyError) {
      grpcError.metadata = new Metadata();
      grpcError.metadata.set('retry-after', String(error.retryAfterSeconds));
    }
    return grpcError;
  }
  return { code: status.INTERNAL, details: 'internal server error', message: 'internal server error' };
}
