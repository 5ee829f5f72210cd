/**
 * Where a detection with a model goes: its deployment's version (by the traffic split) and, on Kubernetes, its own
 * endpoint. Undefined without a deployment: the model server's highest version at MODEL_SERVER_URL.
 */
export interface ModelRoute {
  version?: string | undefined;
  baseUrl?: string | undefined;
}

/** Picks the route of a detection; `clientKey` keeps one client (or one video job) on one version of a split. */
export type RouteModel = (model: string, clientKey?: string) => Promise<ModelRoute | undefined>;
