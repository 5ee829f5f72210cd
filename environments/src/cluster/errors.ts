/** Failures of the deploy tool that carry a message meant for the person running it. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

export class NoKubeconfigError extends ClusterError {
  override name = 'NoKubeconfigError';
}

/** The API server could not be reached at all (no cluster, wrong context, TLS failure). */
export class ClusterUnreachableError extends ClusterError {
  override name = 'ClusterUnreachableError';
}

/** The cluster does not serve this apiVersion/kind: a CRD (KServe, Istio, Knative) is not installed. */
export class MissingApiError extends ClusterError {
  override name = 'MissingApiError';
}

/** 401 or 403: the credentials are rejected or RBAC does not allow the request. */
export class AccessDeniedError extends ClusterError {
  override name = 'AccessDeniedError';
}

/** An admission webhook could not be called (typically right after KServe or Knative was installed). */
export class WebhookUnavailableError extends ClusterError {
  override name = 'WebhookUnavailableError';
}

/** The API server refused the object (schema, immutable field, admission webhook denial). */
export class ApiRejectedError extends ClusterError {
  override name = 'ApiRejectedError';
}

/** A wait did not reach its goal in time. */
export class WaitTimeoutError extends ClusterError {
  override name = 'WaitTimeoutError';
}
