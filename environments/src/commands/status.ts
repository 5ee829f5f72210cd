import type { Cluster } from '../cluster/cluster.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { admittedPrincipals } from '../manifests/mesh-policy.js';
import { MODEL_VERSION_ANNOTATION, RUNTIME_IMAGE_ANNOTATION } from '../manifests/revision-inputs.js';
import { type Condition, condition, conditionsOf, numberAt, stringAt } from './conditions.js';
import { readinessOf } from './readiness.js';

export interface InferenceServiceStatus {
  name: string;
  namespace: string;
  found: boolean;
  ready: boolean;
  /**
   * Where the predictor answers inside the mesh: Knative's cluster-local host of `<name>-predictor`. From a
   * sidecar, net-istio's mesh VirtualService sends it straight to the pods (or the activator while scaled
   * to zero), so the predictor's AuthorizationPolicy sees the caller's own identity.
   */
  meshUrl: string;
  /** The identities the predictor's AuthorizationPolicy admits on that URL. */
  admittedCallers: string[];
  /**
   * KServe's `status.url`: it routes through knative-local-gateway, so the predictor sees the gateway's
   * identity, which the policy does not admit (403). Reported only to say so.
   */
  kserveUrl?: string;
  /** From the host, through the Istio gateway: the backend (the predictor is cluster-local). */
  publicUrl?: string;
  conditions: Condition[];
  latestReadyRevision?: string;
  /** The runtime image and model version the predictor was deployed with (its annotations). */
  runtimeImage?: string;
  modelVersion?: string;
  /** Predictor pods: desired by the autoscaler and ready; 0/0 when scaled to zero. */
  replicas: { desired: number; ready: number };
  scaledToZero: boolean;
}

export interface WorkloadStatus {
  object: string;
  found: boolean;
  state: 'ready' | 'pending' | 'failed';
  detail?: string;
}

export interface StatusReport {
  context: string;
  server: string;
  inferenceServices: InferenceServiceStatus[];
  workloads: WorkloadStatus[];
}

export interface StatusOptions {
  /** The Istio ingress gateway as the host reaches it (Kind: http://127.0.0.1:8088). */
  gatewayUrl?: string;
}

export async function inferenceServiceStatus(
  cluster: Cluster,
  reference: KubernetesObject,
  objects: KubernetesObject[],
  options: StatusOptions = {},
): Promise<InferenceServiceStatus> {
  const namespace = reference.metadata.namespace ?? 'default';
  const name = reference.metadata.name;
  const live = await cluster.read(reference);
  const latestReadyRevision = stringAt(live, 'status', 'components', 'predictor', 'latestReadyRevision');
  const selector = latestReadyRevision
    ? `serving.knative.dev/revision=${latestReadyRevision}`
    : `serving.kserve.io/inferenceservice=${name}`;
  const deployments = live ? await cluster.list('apps/v1', 'Deployment', namespace, selector) : [];
  const desired = deployments.reduce(
    (sum, deployment) => sum + (numberAt(deployment, 'spec', 'replicas') ?? 0),
    0,
  );
  const ready = deployments.reduce(
    (sum, deployment) => sum + (numberAt(deployment, 'status', 'readyReplicas') ?? 0),
    0,
  );
  const conditions = conditionsOf(live);
  const isReady = condition(live, 'Ready')?.status === 'True';
  const annotations = (live?.spec as { predictor?: { annotations?: Record<string, string> } } | undefined)
    ?.predictor?.annotations;
  return {
    name,
    namespace,
    found: live !== undefined,
    ready: isReady,
    meshUrl: `http://${name}-predictor.${namespace}.svc.cluster.local`,
    admittedCallers: admittedPrincipals(objects, namespace, { 'serving.kserve.io/inferenceservice': name }),
    kserveUrl: stringAt(live, 'status', 'url'),
    publicUrl: options.gatewayUrl ? `${options.gatewayUrl.replace(/\/+$/, '')}/` : undefined,
    conditions,
    latestReadyRevision,
    runtimeImage: annotations?.[RUNTIME_IMAGE_ANNOTATION],
    modelVersion: annotations?.[MODEL_VERSION_ANNOTATION],
    replicas: { desired, ready },
    scaledToZero: isReady && desired === 0 && ready === 0,
  };
}

export async function overlayStatus(
  cluster: Cluster,
  objects: KubernetesObject[],
  options: StatusOptions = {},
): Promise<StatusReport> {
  const inferenceServices: InferenceServiceStatus[] = [];
  const workloads: WorkloadStatus[] = [];
  for (const object of objects) {
    if (object.kind === 'InferenceService') {
      inferenceServices.push(await inferenceServiceStatus(cluster, object, objects, options));
    } else if (object.kind === 'Deployment' || object.kind === 'Job') {
      const live = await cluster.read(object);
      const readiness = readinessOf(live);
      if (!readiness) continue;
      workloads.push({
        object: describeObject(object),
        found: live !== undefined,
        state: readiness.state,
        detail: readiness.state === 'ready' ? undefined : readiness.detail,
      });
    }
  }
  return { context: cluster.contextName, server: cluster.server, inferenceServices, workloads };
}

export function formatStatus(report: StatusReport): string[] {
  const lines = [`context ${report.context} (${report.server})`];
  for (const isvc of report.inferenceServices) {
    if (!isvc.found) {
      lines.push(`InferenceService ${isvc.namespace}/${isvc.name}: not deployed`);
      continue;
    }
    const replicas = isvc.scaledToZero
      ? '0 (scaled to zero; the next request starts a pod)'
      : `${isvc.replicas.ready}/${isvc.replicas.desired} ready`;
    lines.push(`InferenceService ${isvc.namespace}/${isvc.name}: ${isvc.ready ? 'Ready' : 'NOT READY'}`);
    lines.push(`  in the mesh:   ${isvc.meshUrl}/v2/models/{model}/infer`);
    lines.push(
      `                 admitted callers: ${isvc.admittedCallers.join(', ') || 'none (no AuthorizationPolicy rule names a caller)'}`,
    );
    lines.push(
      isvc.publicUrl
        ? `  from the host: ${isvc.publicUrl} (the backend through the Istio gateway: POST /detect, /images, /models); the predictor itself is cluster-local`
        : '  from the host: the predictor is cluster-local; use the backend through the Istio gateway (--gateway-url)',
    );
    if (isvc.kserveUrl) {
      lines.push(
        `  (KServe's status.url ${isvc.kserveUrl} goes through knative-local-gateway, whose identity the policy does not admit: use the URL above)`,
      );
    }
    if (isvc.latestReadyRevision) lines.push(`  revision:      ${isvc.latestReadyRevision}`);
    if (isvc.runtimeImage) lines.push(`  image:         ${isvc.runtimeImage}`);
    if (isvc.modelVersion) lines.push(`  models:        ${isvc.modelVersion}`);
    lines.push(`  replicas:      ${replicas}`);
    for (const condition of isvc.conditions) {
      const why = [condition.reason, condition.message].filter(Boolean).join(': ');
      lines.push(`  ${condition.type.padEnd(24)} ${condition.status}${why ? `  ${why}` : ''}`);
    }
  }
  for (const workload of report.workloads) {
    const state = workload.found ? workload.state : 'not deployed';
    lines.push(
      `${workload.object}: ${state}${workload.detail && workload.found ? ` (${workload.detail})` : ''}`,
    );
  }
  return lines;
}
