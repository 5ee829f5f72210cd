import type { Cluster } from '../cluster/cluster.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { type Condition, condition, conditionsOf, numberAt, stringAt } from './conditions.js';
import { readinessOf } from './readiness.js';

export interface InferenceServiceStatus {
  name: string;
  namespace: string;
  found: boolean;
  ready: boolean;
  url?: string;
  clusterUrl?: string;
  conditions: Condition[];
  latestReadyRevision?: string;
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

export async function inferenceServiceStatus(
  cluster: Cluster,
  reference: KubernetesObject,
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
  return {
    name,
    namespace,
    found: live !== undefined,
    ready: isReady,
    url: stringAt(live, 'status', 'url'),
    clusterUrl: stringAt(live, 'status', 'address', 'url'),
    conditions,
    latestReadyRevision,
    replicas: { desired, ready },
    scaledToZero: isReady && desired === 0 && ready === 0,
  };
}

export async function overlayStatus(cluster: Cluster, objects: KubernetesObject[]): Promise<StatusReport> {
  const inferenceServices: InferenceServiceStatus[] = [];
  const workloads: WorkloadStatus[] = [];
  for (const object of objects) {
    if (object.kind === 'InferenceService') {
      inferenceServices.push(await inferenceServiceStatus(cluster, object));
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
    if (isvc.url) lines.push(`  url:        ${isvc.url}`);
    if (isvc.clusterUrl) lines.push(`  in cluster: ${isvc.clusterUrl}`);
    if (isvc.latestReadyRevision) lines.push(`  revision:   ${isvc.latestReadyRevision}`);
    lines.push(`  replicas:   ${replicas}`);
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
