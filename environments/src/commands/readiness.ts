import type { Cluster } from '../cluster/cluster.js';
import { sleep } from '../cluster/cluster.js';
import { ClusterError, WaitTimeoutError } from '../cluster/errors.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { condition, numberAt, stringAt } from './conditions.js';

export type Readiness =
  | { state: 'ready' }
  | { state: 'pending'; detail: string }
  | { state: 'failed'; detail: string };

export interface ReadinessExpectation {
  /**
   * InferenceService: the predictor's latest created revision before this deploy changed its spec. Until
   * KServe and Knative have created a newer one, the Ready condition still describes the old revision
   * (KServe v0.15 publishes no observedGeneration for Serverless InferenceServices).
   */
  revisionBefore?: string;
}

/** Whether a live object has reached its goal: a Deployment rolled out, a Job completed, an InferenceService Ready. */
export function readinessOf(
  live: KubernetesObject | undefined,
  expectation: ReadinessExpectation = {},
): Readiness | undefined {
  if (!live) return { state: 'pending', detail: 'not found yet' };
  switch (live.kind) {
    case 'Deployment': {
      const desired = numberAt(live, 'spec', 'replicas') ?? 1;
      const generation = numberAt(live, 'metadata', 'generation') ?? 0;
      const observed = numberAt(live, 'status', 'observedGeneration') ?? 0;
      const updated = numberAt(live, 'status', 'updatedReplicas') ?? 0;
      const available = numberAt(live, 'status', 'availableReplicas') ?? 0;
      const progressing = condition(live, 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
        return { state: 'failed', detail: progressing.message ?? 'progress deadline exceeded' };
      }
      if (observed >= generation && updated >= desired && available >= desired) return { state: 'ready' };
      return { state: 'pending', detail: `${available}/${desired} available, ${updated} updated` };
    }
    case 'Job': {
      if ((numberAt(live, 'status', 'succeeded') ?? 0) >= 1) return { state: 'ready' };
      const failed = condition(live, 'Failed');
      if (failed?.status === 'True')
        return { state: 'failed', detail: failed.message ?? failed.reason ?? 'job failed' };
      return {
        state: 'pending',
        detail: `${numberAt(live, 'status', 'active') ?? 0} active, ${numberAt(live, 'status', 'failed') ?? 0} failed attempts`,
      };
    }
    case 'InferenceService': {
      const created = stringAt(live, 'status', 'components', 'predictor', 'latestCreatedRevision');
      const readyRevision = stringAt(live, 'status', 'components', 'predictor', 'latestReadyRevision');
      if (expectation.revisionBefore !== undefined && created === expectation.revisionBefore) {
        return { state: 'pending', detail: `no new revision yet (latest is still ${created})` };
      }
      const ready = condition(live, 'Ready');
      if (ready?.status === 'True' && (!created || created === readyRevision)) return { state: 'ready' };
      if (ready?.status === 'True') {
        return { state: 'pending', detail: `revision ${created} not ready yet (serving ${readyRevision})` };
      }
      return {
        state: 'pending',
        detail: ready
          ? `${ready.reason ?? 'not ready'}: ${ready.message ?? ''}`.trim()
          : 'no Ready condition yet',
      };
    }
    default:
      return undefined;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** Per object (describeObject), what its readiness must include. */
  expectations?: Map<string, ReadinessExpectation>;
}

/** Waits, in the given order, until every Job, Deployment and InferenceService among `objects` is ready. */
export async function waitUntilReady(
  cluster: Cluster,
  objects: KubernetesObject[],
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 2000;
  const awaited = objects.filter((object) => ['Job', 'Deployment', 'InferenceService'].includes(object.kind));
  for (const object of awaited) {
    let lastDetail = '';
    for (;;) {
      const live = await cluster.read(object);
      const readiness = readinessOf(live, options.expectations?.get(describeObject(object)));
      if (!readiness || readiness.state === 'ready') {
        const revision = stringAt(live, 'status', 'components', 'predictor', 'latestReadyRevision');
        options.log?.(`ready    ${describeObject(object)}${revision ? ` (revision ${revision})` : ''}`);
        break;
      }
      if (readiness.state === 'failed')
        throw new ClusterError(`${describeObject(object)} failed: ${readiness.detail}`);
      if (readiness.detail !== lastDetail) {
        options.log?.(`waiting  ${describeObject(object)}: ${readiness.detail}`);
        lastDetail = readiness.detail;
      }
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(
          `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${describeObject(object)}: ${readiness.detail}`,
        );
      }
      await sleep(pollMs);
    }
  }
}
