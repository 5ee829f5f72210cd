/**
 * Domain errors of the model server. Each carries the HTTP status it maps to; the protocol layer renders
 * every one of them as `{"error": message}` (Open Inference Protocol error object).
 */
export class ModelServerError extends Error {
  constructor(
    readonly status: 400 | 404 | 413 | 500 | 503,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed: bad JSON, wrong datatype, shape or element count, undecodable image, bad parameter. */
export class InvalidInputError extends ModelServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, message, options);
  }
}

export class ModelNotFoundError extends ModelServerError {
  constructor(message: string) {
    super(404, message);
  }
}

/** The model exists but cannot serve now (loading, unloaded or failed); no Retry-After: it is starting, not busy. */
export class ModelNotReadyError extends ModelServerError {
  constructor(message: string) {
    super(503, message);
  }
}

/**
 * The model is known but neither loaded nor loading: it was unloaded, or its load failed. Waiting cannot help until
 * it is loaded again, so an inference is answered as Triton answers one for a model it does not serve (404, gRPC
 * NOT_FOUND) rather than 503, which clients (the backend) retry as a server that is starting.
 */
export class ModelUnavailableError extends ModelServerError {
  constructor(message: string) {
    super(404, message);
  }
}

/**
 * The model is serving but its queue is full: 503 with `Retry-After`, which tells a client (the backend) that the
 * server is busy, not starting, so it passes the backpressure on instead of retrying.
 */
export class ModelBusyError extends ModelServerError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(503, message);
  }
}

export class PayloadTooLargeError extends ModelServerError {
  constructor(message: string) {
    super(413, message);
  }
}

/** The server is draining after SIGTERM. */
export class ServerShuttingDownError extends ModelServerError {
  constructor() {
    super(503, 'the server is shutting down');
  }
}

/** The model failed while running a valid request; a server-side fault (500). */
export class InferenceFailedError extends ModelServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(500, message, options);
  }
}

/** The message of a thrown value: `error.message` for an Error, else the value as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
