/** One version's share of a deployment's requests. */
export interface TrafficShare {
  version: string;
  percent: number;
}

/** What a target is asked to run for one deployment (named after its model). */
export interface TargetSpec {
  name: string;
  /** Every version that must serve: the stable one, a canary, a version being rolled out. */
  versions: string[];
  traffic: TrafficShare[];
  minReplicas: number;
  maxReplicas: number;
  targetConcurrency: number;
}

/**
 * What the target sees of a deployment now. `progressing`: still coming up; `failed`: a wanted version cannot
 * serve (`reason` says why in plain words); `absent`: nothing runs for this name.
 */
export interface TargetObservation {
  state: 'ready' | 'scaled_to_zero' | 'progressing' | 'failed' | 'absent';
  readyVersions: string[];
  /** Replicas running now; null where replicas do not apply (local). */
  replicas: number | null;
  url: string | null;
  reason: string | null;
}

/** The target refused or could not be reached; `status` is what the API answers (503 unreachable, 403 forbidden…). */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 503 = 503,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

/**
 * Where deployments run: the local model server (its repository extension) or a Kubernetes cluster. The
 * deployment manager keeps the records and decides what should run; a target only makes it so and reports.
 */
export interface DeploymentTarget {
  readonly kind: 'local' | 'kubernetes';
  /** Whether replica counts and target concurrency mean anything here. */
  readonly scalingApplies: boolean;
  /**
   * Before anything is written: throws {@link TargetError} 404 naming what is unknown for a model (or a version of
   * it) the target knows it cannot deploy, 503 when the target cannot be reached or refuses the backend.
   */
  checkModel(name: string, version: string): Promise<void>;
  /** Makes the target run `spec` (deploy, update, scale, canary, promote, roll back). Throws {@link TargetError}. */
  apply(spec: TargetSpec): Promise<void>;
  /** How the deployment's wanted versions are doing, for every name asked at once. Throws {@link TargetError}. */
  observe(specs: TargetSpec[]): Promise<Map<string, TargetObservation>>;
  /** Stops serving the deployment. Throws {@link TargetError}. */
  remove(name: string): Promise<void>;
  /** The base URL that serves this deployment's detections; null: the backend's MODEL_SERVER_URL serves them. */
  endpointFor(name: string): Promise<string | null>;
}
