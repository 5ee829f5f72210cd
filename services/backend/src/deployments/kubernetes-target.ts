import {
  ApiException,
  createConfiguration,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
} from '@kubernetes/client-node';
import {
  type DeploymentTarget,
  TargetError,
  type TargetObservation,
  type TargetSpec,
} from './deployment-target.js';
import { FIELD_MANAGER } from './kubernetes-calls.js';

export interface KubernetesTargetOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The KServe ServingRuntime the predictors use (the model server image). */
  runtime: string;
  /** Where model folders are: `<storageUri>/<model>` holds config.json and the version folders. */
  storageUri: string;
  /** The models under `storageUri` (DEPLOY_MODELS): the only names that may be deployed. */
  models: readonly string[];
}

const VERSION_LABEL = 'detection.backend/model-version';
const TRAFFIC_ANNOTATION = 'detection.backend/traffic';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

interface InferenceService {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { predictor?: { labels?: Record<string, string>; canaryTrafficPercent?: number } };
  status?: {
    observedGeneration?: number;
    url?: string;
    conditions?: Condition[];
    components?: { predictor?: { latestReadyRevision?: string; latestCreatedRevision?: string } };
    modelStatus?: { transitionStatus?: string; lastFailureInfo?: { message?: string } };
  };
}

/**
 * Deployments on Kubernetes: one KServe InferenceService per deployment, written by server-side apply with the
 * field manager `detection-backend`. The predictor's template carries the version (a label), so every version is
 * a Knative revision; a version coming up gets `canaryTrafficPercent: 0`, a canary its share, and KServe keeps
 * the rest on the previous ready revision. State comes from the InferenceService's conditions and the latest
 * ready revision's replica count.
 */
export class KubernetesDeploymentTarget implements DeploymentTarget {
  readonly kind = 'kubernetes';
  readonly scalingApplies = true;
  private readonly api: KubernetesObjectApi;
  private readonly server: string;

  constructor(private readonly options: KubernetesTargetOptions) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server;
    this.api = new KubernetesObjectApi(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: options.kubeConfig },
      }),
    );
  }

  /**
   * The model must be one of DEPLOY_MODELS, the folders under DEPLOY_STORAGE_URI (which the backend cannot list:
   * it holds no credentials for the model storage; its versions are checked by the predictor, a version it lacks
   * fails the revision). Then reads the deployment's InferenceService (absent is fine): an unreachable or
   * forbidding API is found before anything is written.
   */
  async checkModel(name: string): Promise<void> {
    if (!this.options.models.includes(name))
      throw new TargetError(
        `unknown model ${name}: the model storage ${this.options.storageUri} has ${this.options.models.join(', ')} (DEPLOY_MODELS)`,
        404,
      );
    try {
      await this.api.read(this.reference(name) as never);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !namespaceMissing(error)) return;
      throw this.translate(error, `read the InferenceService ${name}`);
    }
  }

  async apply(spec: TargetSpec): Promise<void> {
    try {
      await this.api.patch(
        this.inferenceService(spec) as never,
        undefined,
        undefined,
        FIELD_MANAGER,
        false,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      throw this.translate(error, `apply the InferenceService ${spec.name}`);
    }
  }

  async observe(specs: TargetSpec[]): Promise<Map<string, TargetObservation>> {
    const observed = new Map<string, TargetObservation>();
    for (const spec of specs) observed.set(spec.name, await this.observeOne(spec));
    return observed;
  }

  /** The InferenceService's cluster-local address (KServe's `status.url` for a cluster-local Serverless service). */
  endpointFor(name: string): string {
    return `http://${name}.${this.options.namespace}.svc.cluster.local`;
  }

  async remove(name: string): Promise<void> {
    try {
      await this.api.delete(this.reference(name) as never);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !namespaceMissing(error)) return;
      throw this.translate(error, `delete the InferenceService ${name}`);
    }
  }

  /** The InferenceService for a spec: the newest version in its template, the others kept by KServe. */
  private inferenceService(spec: TargetSpec) {
    const serving = spec.traffic.map((share) => share.version);
    const rollout = spec.versions.find((version) => !serving.includes(version));
    const canary = spec.traffic.length === 2 ? spec.traffic[1]! : null;
    const latest = rollout ?? canary?.version ?? spec.traffic[0]?.version ?? spec.versions[0]!;
    const canaryTrafficPercent =
      rollout !== undefined && serving.length > 0
        ? 0
        : rollout === undefined && canary
          ? canary.percent
          : undefined;
    return {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: spec.name,
        namespace: this.options.namespace,
        labels: {
          'app.kubernetes.io/managed-by': FIELD_MANAGER,
          'networking.knative.dev/visibility': 'cluster-local',
        },
        annotations: {
          'serving.kserve.io/deploymentMode': 'Serverless',
          [TRAFFIC_ANNOTATION]: JSON.stringify(spec.traffic),
        },
      },
      spec: {
        predictor: {
          minReplicas: spec.minReplicas,
          maxReplicas: spec.maxReplicas,
          scaleMetric: 'concurrency',
          scaleTarget: spec.targetConcurrency,
          labels: { [VERSION_LABEL]: latest },
          ...(canaryTrafficPercent !== undefined && { canaryTrafficPercent }),
          model: {
            modelFormat: { name: 'onnx', version: '1' },
            runtime: this.options.runtime,
            protocolVersion: 'v2',
            storageUri: `${this.options.storageUri.replace(/\/+$/, '')}/${spec.name}`,
          },
        },
      },
    };
  }

  private reference(name: string) {
    return {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name, namespace: this.options.namespace },
    };
  }

  private async observeOne(spec: TargetSpec): Promise<TargetObservation> {
    let service: InferenceService;
    try {
      service = (await this.api.read(this.reference(spec.name) as never)) as unknown as InferenceService;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !namespaceMissing(error))
        return {
          state: 'absent',
          readyVersions: [],
          replicas: null,
          url: null,
          reason: `no InferenceService ${spec.name}`,
        };
      throw this.translate(error, `read the InferenceService ${spec.name}`);
    }
    const latest = service.spec?.predictor?.labels?.[VERSION_LABEL] ?? null;
    const conditions = service.status?.conditions ?? [];
    const condition = (type: string) => conditions.find((candidate) => candidate.type === type);
    const latestReady = condition('LatestDeploymentReady') ?? condition('PredictorReady');
    const ready = condition('Ready');
    const current = (service.status?.observedGeneration ?? 0) >= (service.metadata.generation ?? 1);
    const url = service.status?.url ?? null;
    const base = { url, replicas: null as number | null };
    // False with RevisionMissing is a revision still coming up; RevisionFailed, or KServe's blocked model status, is final.
    const failedLoad = ['BlockedByFailedLoad', 'InvalidSpec'].includes(
      service.status?.modelStatus?.transitionStatus ?? '',
    );
    if (
      current &&
      latestReady?.status === 'False' &&
      (latestReady.reason === 'RevisionFailed' || failedLoad)
    ) {
      const why =
        service.status?.modelStatus?.lastFailureInfo?.message ?? latestReady.message ?? latestReady.reason;
      return {
        ...base,
        state: 'failed',
        readyVersions: previousVersions(service, latest),
        reason: `version ${latest} failed: ${why ?? 'its revision failed'}`,
      };
    }
    if (!current || latestReady?.status !== 'True' || ready?.status !== 'True')
      return {
        ...base,
        state: 'progressing',
        readyVersions: previousVersions(service, latest),
        reason: null,
      };
    const readyVersions = [...new Set([...previousVersions(service, latest), ...(latest ? [latest] : [])])];
    const replicas = await this.replicasOf(service.status?.components?.predictor?.latestReadyRevision);
    const missing = spec.versions.filter((version) => !readyVersions.includes(version));
    return {
      ...base,
      replicas,
      readyVersions,
      state: missing.length > 0 ? 'progressing' : replicas === 0 ? 'scaled_to_zero' : 'ready',
      reason: null,
    };
  }

  private async replicasOf(revision: string | undefined): Promise<number | null> {
    if (!revision) return null;
    try {
      const found = (await this.api.read({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Revision',
        metadata: { name: revision, namespace: this.options.namespace },
      } as never)) as unknown as { status?: { actualReplicas?: number } };
      return found.status?.actualReplicas ?? 0;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return null;
      throw this.translate(error, `read the revision ${revision}`);
    }
  }

  private translate(error: unknown, action: string): TargetError {
    if (error instanceof ApiException) {
      const message = statusMessage(error.body) ?? `HTTP ${error.code}`;
      if (error.code === 409) return new TargetError(`cannot ${action}: ${message}`, 409);
      if (error.code === 401 || error.code === 403)
        return new TargetError(`the Kubernetes API refused to ${action} (${error.code}): ${message}`);
      if (error.code === 404 && namespaceMissing(error))
        return new TargetError(`cannot ${action}: the namespace ${this.options.namespace} does not exist`);
      return new TargetError(`cannot ${action}: the Kubernetes API answered ${error.code}: ${message}`);
    }
    return new TargetError(`cannot ${action}: the Kubernetes API at ${this.server} is unreachable`);
  }
}

/** The versions already serving before the latest template: what the traffic annotation says the split was. */
function previousVersions(service: InferenceService, latest: string | null): string[] {
  try {
    const traffic = JSON.parse(service.metadata.annotations?.[TRAFFIC_ANNOTATION] ?? '[]') as Array<{
      version: string;
    }>;
    return traffic.map((share) => share.version).filter((version) => version !== latest);
  } catch {
    return [];
  }
}

function statusMessage(body: unknown): string | null {
  try {
    const parsed =
      typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    return parsed?.message ?? null;
  } catch {
    return null;
  }
}

function namespaceMissing(error: ApiException<unknown>): boolean {
  return /namespaces? "[^"]+" not found/.test(statusMessage(error.body) ?? '');
}
