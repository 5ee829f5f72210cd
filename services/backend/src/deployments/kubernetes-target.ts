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
  /**
   * Where model folders are: `<storageUri>/<model>` holds config.json and the version folders. Undefined: every
   * predictor serves the repository baked into the runtime's image.
   */
  storageUri?: string | undefined;
  /** The models in that storage, or in the image (DEPLOY_MODELS): the only names that may be deployed. */
  models: readonly string[];
  /**
   * An InferenceService in the namespace whose serving settings every deployment copies (DEPLOY_TEMPLATE): its
   * annotations (mesh, autoscaling, storage access) and its predictor's service account, timeout, container
   * concurrency and model resources.
   */
  template?: string | undefined;
}

/** What a deployment copies from the template InferenceService (DEPLOY_TEMPLATE). */
interface ServingSettings {
  annotations: Record<string, string>;
  predictor: Record<string, unknown>;
  resources: unknown;
}

const copiedPredictorFields = ['serviceAccountName', 'timeout', 'containerConcurrency'] as const;

const VERSION_LABEL = 'detection.backend/model-version';
/**
 * On the predictor (so on its pods: KServe copies `predictor.labels` to the Knative template): the predictors'
 * AuthorizationPolicy admits the backend to the pods that carry it (environments/base/detection/mesh).
 */
export const MANAGED_LABEL = 'detection.backend/managed-by';
const TRAFFIC_ANNOTATION = 'detection.backend/traffic';

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** KServe's status of the predictor component (ComponentStatusSpec). */
interface PredictorStatus {
  latestReadyRevision?: string;
  latestCreatedRevision?: string;
  latestRolledoutRevision?: string;
  previousRolledoutRevision?: string;
  traffic?: Array<{ revisionName?: string; percent?: number; latestRevision?: boolean }>;
  url?: string;
  address?: { url?: string };
}

interface InferenceService {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; annotations?: Record<string, string> };
  spec?: {
    predictor?: {
      labels?: Record<string, string>;
      canaryTrafficPercent?: number;
      minReplicas?: number;
      maxReplicas?: number;
      scaleTarget?: number;
    };
  };
  status?: {
    observedGeneration?: number;
    url?: string;
    address?: { url?: string };
    conditions?: Condition[];
    components?: { predictor?: PredictorStatus };
    modelStatus?: { transitionStatus?: string; lastFailureInfo?: { message?: string } };
  };
}

/** How long a predictor address read from the InferenceService's status is used before it is read again. */
const ENDPOINT_TTL_MS = 30_000;

/**
 * Deployments on Kubernetes: one KServe InferenceService per deployment, written by server-side apply with the
 * field manager `detection-backend`. The predictor's template carries the version (a label), so every version is
 * a Knative revision; a version coming up gets `canaryTrafficPercent: 0`, a canary its share, and KServe keeps
 * the rest on the last rolled-out revision. Going back to a version KServe rolled out before (dropping a canary,
 * rolling back, a fallback) keeps the template and sets `canaryTrafficPercent: 0`, KServe's roll back: traffic
 * returns to that revision and no new one is made. State comes from the InferenceService's conditions and its
 * predictor's traffic; replicas from the Knative Revisions that take traffic.
 */
export class KubernetesDeploymentTarget implements DeploymentTarget {
  readonly kind = 'kubernetes';
  readonly scalingApplies = true;
  private readonly api: KubernetesObjectApi;
  private readonly server: string;
  /** Revision name → the model version its template carried (revisions never change). */
  private readonly revisionVersions = new Map<string, string>();
  /** Deployment name → the predictor's address from its status, and until when to trust it. */
  private readonly endpoints = new Map<string, { url: string; until: number }>();

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
   * fails the revision). Then reads the deployment's InferenceService (absent is fine) and the template: an
   * unreachable or forbidding API, or a missing template, is found before anything is written.
   */
  async checkModel(name: string): Promise<void> {
    if (!this.options.models.includes(name))
      throw new TargetError(
        `unknown model ${name}: ${this.options.storageUri ? `the model storage ${this.options.storageUri}` : 'the runtime image’s model repository'} has ${this.options.models.join(', ')} (DEPLOY_MODELS)`,
        404,
      );
    await this.read(name, 'read the InferenceService');
    await this.servingSettings();
  }

  async apply(spec: TargetSpec): Promise<void> {
    const current = await this.read(spec.name, 'apply the InferenceService');
    const template = await this.templateFor(spec, current);
    const settings = await this.servingSettings();
    try {
      await this.api.patch(
        this.inferenceService(spec, template, settings) as never,
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

  /**
   * Where detections go: the predictor component's address from the InferenceService's status
   * (`status.components.predictor.address.url`, else its `url`), read again every 30 s; before there is a status,
   * or when it cannot be read, KServe's name for it, `http://<name>-predictor.<namespace>.svc.cluster.local`.
   * Not `status.url`: that routes through knative-local-gateway, whose identity the predictors'
   * AuthorizationPolicy does not admit; the predictor's address reaches the pods with the backend's own identity.
   */
  async endpointFor(name: string): Promise<string> {
    const known = this.endpoints.get(name);
    if (known && known.until > Date.now()) return known.url;
    const service = await this.read(name, 'read the InferenceService').catch(() => undefined);
    return (
      this.remember(name, service) ?? `http://${name}-predictor.${this.options.namespace}.svc.cluster.local`
    );
  }

  async remove(name: string): Promise<void> {
    try {
      await this.api.delete(this.reference(name) as never);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !namespaceMissing(error)) return;
      throw this.translate(error, `delete the InferenceService ${name}`);
    }
  }

  /**
   * The template version and canaryTrafficPercent for a spec, as KServe routes them: a version coming up is the
   * template at 0 % next to the serving ones; a canary is the template at its share (the rest stays on the last
   * rolled-out revision); one version alone is the template at 100 % — unless the template holds another version
   * and this one is KServe's last or previous rolled-out revision: then the template stays and
   * `canaryTrafficPercent: 0` sends everything back to that revision (KServe's roll back; no new revision).
   */
  private async templateFor(
    spec: TargetSpec,
    current: InferenceService | undefined,
  ): Promise<{ version: string; canaryTrafficPercent: number | undefined }> {
    const serving = spec.traffic.map((share) => share.version);
    const rollout = spec.versions.find((version) => !serving.includes(version));
    if (rollout !== undefined)
      return { version: rollout, canaryTrafficPercent: serving.length > 0 ? 0 : undefined };
    const canary = spec.traffic.length === 2 ? spec.traffic[1]! : null;
    if (canary) return { version: canary.version, canaryTrafficPercent: canary.percent };
    const only = spec.traffic[0]?.version ?? spec.versions[0]!;
    const predictorSpec = current?.spec?.predictor;
    const inTemplate = predictorSpec?.labels?.[VERSION_LABEL];
    // A scaling change makes a new revision anyway: then it is one of the version that serves.
    const sameScaling =
      predictorSpec?.minReplicas === spec.minReplicas &&
      predictorSpec?.maxReplicas === spec.maxReplicas &&
      predictorSpec?.scaleTarget === spec.targetConcurrency;
    if (inTemplate === undefined || inTemplate === only || !sameScaling)
      return { version: only, canaryTrafficPercent: undefined };
    const predictor = current?.status?.components?.predictor;
    const rolledOut = await Promise.all(
      [predictor?.latestRolledoutRevision, predictor?.previousRolledoutRevision].map((revision) =>
        this.versionOfRevision(revision),
      ),
    );
    return rolledOut.includes(only)
      ? { version: inTemplate, canaryTrafficPercent: 0 }
      : { version: only, canaryTrafficPercent: undefined };
  }

  /** The serving settings of the DEPLOY_TEMPLATE InferenceService; none without one. */
  private async servingSettings(): Promise<ServingSettings> {
    const name = this.options.template;
    if (name === undefined) return { annotations: {}, predictor: {}, resources: undefined };
    const found = (await this.read(name, 'read the template InferenceService')) as
      | (InferenceService & {
          metadata: { annotations?: Record<string, string> };
          spec?: { predictor?: Record<string, unknown> & { model?: { resources?: unknown } } };
        })
      | undefined;
    if (!found)
      throw new TargetError(
        `the template InferenceService ${name} (DEPLOY_TEMPLATE) does not exist in the namespace ${this.options.namespace}`,
      );
    const predictor = found.spec?.predictor ?? {};
    return {
      annotations: Object.fromEntries(
        Object.entries(found.metadata.annotations ?? {}).filter(
          ([key]) => !key.startsWith('kubectl.kubernetes.io/') && !key.startsWith('detection.backend/'),
        ),
      ),
      predictor: Object.fromEntries(
        copiedPredictorFields.flatMap((field) =>
          predictor[field] === undefined ? [] : [[field, predictor[field]]],
        ),
      ),
      resources: predictor.model?.resources,
    };
  }

  /** The InferenceService for a spec, its template version (templateFor) and the copied serving settings. */
  private inferenceService(
    spec: TargetSpec,
    template: { version: string; canaryTrafficPercent: number | undefined },
    settings: ServingSettings,
  ) {
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
          ...settings.annotations,
          'serving.kserve.io/deploymentMode': 'Serverless',
          [TRAFFIC_ANNOTATION]: JSON.stringify(spec.traffic),
        },
      },
      spec: {
        predictor: {
          ...settings.predictor,
          minReplicas: spec.minReplicas,
          maxReplicas: spec.maxReplicas,
          scaleMetric: 'concurrency',
          scaleTarget: spec.targetConcurrency,
          labels: { [MANAGED_LABEL]: FIELD_MANAGER, [VERSION_LABEL]: template.version },
          ...(template.canaryTrafficPercent !== undefined && {
            canaryTrafficPercent: template.canaryTrafficPercent,
          }),
          model: {
            modelFormat: { name: 'onnx', version: '1' },
            runtime: this.options.runtime,
            protocolVersion: 'v2',
            ...(settings.resources !== undefined && { resources: settings.resources }),
            ...(this.options.storageUri && {
              storageUri: `${this.options.storageUri.replace(/\/+$/, '')}/${spec.name}`,
            }),
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

  /** The InferenceService, or undefined when there is none (a missing namespace is an error). */
  private async read(name: string, action: string): Promise<InferenceService | undefined> {
    try {
      return (await this.api.read(this.reference(name) as never)) as unknown as InferenceService;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !namespaceMissing(error)) return undefined;
      throw this.translate(error, `${action} ${name}`);
    }
  }

  /** Keeps the predictor's address from a status (see endpointFor); returns it, or undefined without one. */
  private remember(name: string, service: InferenceService | undefined): string | undefined {
    const predictor = service?.status?.components?.predictor;
    const url = predictor?.address?.url ?? predictor?.url;
    if (url) this.endpoints.set(name, { url, until: Date.now() + ENDPOINT_TTL_MS });
    return url;
  }

  private async observeOne(spec: TargetSpec): Promise<TargetObservation> {
    const service = await this.read(spec.name, 'read the InferenceService');
    if (!service)
      return {
        state: 'absent',
        readyVersions: [],
        replicas: null,
        url: null,
        reason: `no InferenceService ${spec.name}`,
      };
    this.remember(spec.name, service);
    const latest = service.spec?.predictor?.labels?.[VERSION_LABEL] ?? null;
    const conditions = service.status?.conditions ?? [];
    const condition = (type: string) => conditions.find((candidate) => candidate.type === type);
    const latestReady = condition('LatestDeploymentReady') ?? condition('PredictorReady');
    const ready = condition('Ready');
    const current = (service.status?.observedGeneration ?? 0) >= (service.metadata.generation ?? 1);
    const predictor = service.status?.components?.predictor;
    // KServe's own URL once it has a status; its naming convention before.
    const url = service.status?.url ?? `http://${spec.name}.${this.options.namespace}.svc.cluster.local`;
    const serving = (predictor?.traffic ?? []).filter((target) => (target.percent ?? 0) > 0);
    const servingRevisions = [
      ...new Set(serving.map((target) => target.revisionName ?? predictor?.latestReadyRevision)),
    ].filter((revision): revision is string => revision !== undefined);
    const readyVersions = [
      ...new Set(
        (
          await Promise.all(
            [...servingRevisions, predictor?.latestReadyRevision].map((revision) =>
              this.versionOfRevision(revision),
            ),
          )
        ).filter((version): version is string => version !== undefined),
      ),
    ];
    const base = { url, replicas: null as number | null, readyVersions };
    // False with RevisionMissing is a revision still coming up; RevisionFailed, or KServe's blocked model status,
    // is final — for a template version that is wanted (one kept at 0 % after a roll back does not count).
    const failedLoad = ['BlockedByFailedLoad', 'InvalidSpec'].includes(
      service.status?.modelStatus?.transitionStatus ?? '',
    );
    if (
      current &&
      latest !== null &&
      spec.versions.includes(latest) &&
      latestReady?.status === 'False' &&
      (latestReady.reason === 'RevisionFailed' || failedLoad)
    ) {
      const why =
        service.status?.modelStatus?.lastFailureInfo?.message ?? latestReady.message ?? latestReady.reason;
      return {
        ...base,
        state: 'failed',
        reason: `version ${latest} failed: ${why ?? 'its revision failed'}`,
      };
    }
    // A wanted template version must be ready itself; one kept at 0 % (after a roll back) may still be failing or
    // coming up, and then what serves is told by the traffic alone (Knative routes only to ready revisions).
    const latestWanted = latest !== null && spec.versions.includes(latest);
    if (!current || (latestWanted && (ready?.status !== 'True' || latestReady?.status !== 'True')))
      return { ...base, state: 'progressing', reason: null };
    const replicas = await this.replicasOf(servingRevisions);
    const missing = spec.versions.filter((version) => !readyVersions.includes(version));
    return {
      ...base,
      replicas,
      state: missing.length > 0 ? 'progressing' : replicas === 0 ? 'scaled_to_zero' : 'ready',
      reason: null,
    };
  }

  /** The model version a revision's template carried (its label); undefined when it is gone or has none. */
  private async versionOfRevision(revision: string | undefined): Promise<string | undefined> {
    if (!revision) return undefined;
    const known = this.revisionVersions.get(revision);
    if (known !== undefined) return known;
    const found = await this.readRevision(revision);
    const version = found?.metadata?.labels?.[VERSION_LABEL];
    if (version !== undefined) this.revisionVersions.set(revision, version);
    return version;
  }

  /** Replicas running now for the revisions that take traffic (Knative's actualReplicas); null without any. */
  private async replicasOf(revisions: string[]): Promise<number | null> {
    if (revisions.length === 0) return null;
    const found = await Promise.all(revisions.map((revision) => this.readRevision(revision)));
    if (found.every((revision) => revision === undefined)) return null;
    return found.reduce((sum, revision) => sum + (revision?.status?.actualReplicas ?? 0), 0);
  }

  private async readRevision(
    revision: string,
  ): Promise<
    { metadata?: { labels?: Record<string, string> }; status?: { actualReplicas?: number } } | undefined
  > {
    try {
      return (await this.api.read({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Revision',
        metadata: { name: revision, namespace: this.options.namespace },
      } as never)) as unknown as {
        metadata?: { labels?: Record<string, string> };
        status?: { actualReplicas?: number };
      };
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
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
