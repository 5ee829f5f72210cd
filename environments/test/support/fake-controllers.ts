/**
 * Controllers for the fake API server (fake-kube-api.ts), so that conditions move over time as on a
 * cluster: Deployments roll out a step after they change; a Job gets a pod (labelled with the Job's
 * controller-uid, as the Job controller does) that runs and terminates with a message; an InferenceService
 * whose spec changed keeps its old status for a while, then KServe/Knative create the next revision
 * (`<name>-predictor-0000N`, its Deployment and a pod that mounts the pvc:// storageUri with subPath, as
 * KServe's pod webhook does) and its Knative Revision; the InferenceService's conditions go Unknown (KServe
 * reconciling), then False (RevisionMissing) a step later, then True a step after that — or, for a revision
 * `failRevision` names a reason for, LatestDeploymentReady False (RevisionFailed, with KServe's
 * `modelStatus.lastFailureInfo`) while the previous ready revision keeps the InferenceService Ready. The old
 * revision's pod drains and goes a few steps after the new one is ready.
 *
 * Revisions and traffic follow KServe's Knative reconciler: only a change of the predictor's template makes a
 * revision (a change of `canaryTrafficPercent` alone does not); `canaryTrafficPercent` gives the latest ready
 * revision that share and the last rolled-out revision the rest, so 0 pins traffic to the last rolled-out
 * revision (KServe's roll back); `status.components.predictor` carries `traffic`, `latestRolledoutRevision` and
 * `previousRolledoutRevision` as KServe's PropagateStatus sets them. `status.url`/`address` (the InferenceService's,
 * through knative-local-gateway) and the predictor component's `url`/`address` appear once it was first ready.
 */
import type { FakeKubeApi, StoredObject } from './fake-kube-api.js';

export interface JobRun {
  exitCode: number;
  /** The container's termination message. */
  message?: string;
}

export interface ControllerOptions {
  /** Time between two state changes of one object. */
  stepMs?: number;
  /** What a Job's container does; default: exits 0 without a message. */
  runJob?: (job: StoredObject) => JobRun | Promise<JobRun>;
  /** Steps an old revision's pod keeps running (draining) after the new revision is Ready. */
  drainSteps?: number;
  /** Why an InferenceService's new revision fails (a broken model file…); undefined: it becomes ready. */
  failRevision?: (isvc: StoredObject) => string | undefined;
  /** True for a revision that never becomes ready (a pod that never passes its probe): it stays RevisionMissing. */
  stallRevision?: (isvc: StoredObject) => boolean;
}

const ref = (object: StoredObject) => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  namespace: object.metadata.namespace,
  name: object.metadata.name,
});

export function simulateControllers(api: FakeKubeApi, options: ControllerOptions = {}): void {
  const step = options.stepMs ?? 15;
  const revisions = new Map<string, number>();
  api.onApply = (object, store, previous) => {
    const changed = !previous || previous.metadata.generation !== object.metadata.generation;
    if (object.kind === 'Deployment' && changed) {
      store.schedule(step, () => {
        const live = store.get(
          object.apiVersion,
          object.kind,
          object.metadata.namespace,
          object.metadata.name,
        );
        if (!live) return;
        const replicas = (live.spec as { replicas?: number }).replicas ?? 1;
        store.setStatus(ref(live), {
          observedGeneration: live.metadata.generation,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        });
      });
    }
    if (object.kind === 'Job' && !previous) runJobPod(store, object, step, options);
    if (object.kind === 'InferenceService' && changed) {
      if (previous && templateOf(previous) === templateOf(object)) {
        // Only the traffic changed: KServe re-routes between the revisions there are, a step later.
        store.schedule(step, () => reroute(store, object));
        return;
      }
      const key = `${object.metadata.namespace}/${object.metadata.name}`;
      const number = (revisions.get(key) ?? 0) + 1;
      revisions.set(key, number);
      // The old status (and Ready condition) stays for a step: KServe has not reconciled yet.
      store.schedule(step * 2, () => createRevision(store, object, number, step, options));
    }
  };
}

function runJobPod(api: FakeKubeApi, job: StoredObject, step: number, options: ControllerOptions): void {
  const uid = job.metadata.uid!;
  const namespace = job.metadata.namespace;
  const podName = `${job.metadata.name}-${uid.slice(-5).replace(/[^a-z0-9]/g, 'x')}`;
  const template = (job.spec as { template: { metadata?: StoredObject['metadata']; spec: unknown } })
    .template;
  api.schedule(step, () => {
    // Like the Job controller, no pod for a Job that is gone or being deleted (its dependents are already removed).
    const current = api.get('batch/v1', 'Job', namespace, job.metadata.name);
    if (current?.metadata.uid !== uid || current.metadata.deletionTimestamp) return;
    api.setStatus(ref(job), { active: 1 });
    api.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        labels: {
          ...(template.metadata?.labels ?? {}),
          'batch.kubernetes.io/controller-uid': uid,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'controller-uid': uid,
          'job-name': job.metadata.name,
        },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid }],
      },
      spec: template.spec,
      status: { phase: 'Running' },
    });
    void Promise.resolve(options.runJob?.(job) ?? { exitCode: 0 }).then((run) => {
      api.schedule(step, () => {
        if (api.get('batch/v1', 'Job', namespace, job.metadata.name)?.metadata.uid !== uid) return;
        const pod = api.get('v1', 'Pod', namespace, podName);
        if (pod) {
          api.setStatus(ref(pod), {
            phase: run.exitCode === 0 ? 'Succeeded' : 'Failed',
            containerStatuses: [
              {
                name: (template.spec as { containers: Array<{ name: string }> }).containers[0]!.name,
                state: { terminated: { exitCode: run.exitCode, message: run.message ?? '' } },
              },
            ],
          });
        }
        api.setStatus(
          ref(job),
          run.exitCode === 0
            ? { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }
            : {
                failed: 1,
                conditions: [
                  {
                    type: 'Failed',
                    status: 'True',
                    reason: 'BackoffLimitExceeded',
                    message: 'Job has reached the specified backoff limit',
                  },
                ],
              },
        );
      });
    });
  });
}

function createRevision(
  api: FakeKubeApi,
  isvc: StoredObject,
  number: number,
  step: number,
  options: ControllerOptions,
): void {
  const drainSteps = options.drainSteps ?? 4;
  const { name, namespace } = isvc.metadata;
  const revision = `${name}-predictor-${String(number).padStart(5, '0')}`;
  const predictor = (isvc.spec as { predictor: { model?: { storageUri?: string }; minReplicas?: number } })
    .predictor;
  const live = () => api.get(isvc.apiVersion, isvc.kind, namespace, name);
  const previousReady = (
    live()?.status as { components?: { predictor?: { latestReadyRevision?: string } } } | undefined
  )?.components?.predictor?.latestReadyRevision;
  const pvc = /^pvc:\/\/([^/]+)\/(.+)$/.exec(predictor.model?.storageUri ?? '');
  // Knative copies the template's labels (KServe's `predictor.labels`) onto the revision and its pods.
  const labels = {
    ...((isvc.spec as { predictor: { labels?: Record<string, string> } }).predictor.labels ?? {}),
    'serving.kserve.io/inferenceservice': name,
    'serving.knative.dev/revision': revision,
  };
  const status = (conditions: Condition[], ready?: string, extra: Record<string, unknown> = {}) =>
    statusOf(live() ?? isvc, {
      observedGeneration: isvc.metadata.generation,
      latestCreatedRevision: revision,
      latestReadyRevision: ready,
      conditions,
      extra,
    });
  const all = (value: string, reason?: string): Condition[] =>
    ['PredictorReady', 'LatestDeploymentReady', 'Ready'].map((type) => ({
      type,
      status: value,
      ...(reason ? { reason } : {}),
    }));
  const setRevision = (conditionStatus: string, actualReplicas: number, message?: string) => {
    if (!api.get('serving.knative.dev/v1', 'Revision', namespace, revision)) {
      api.put({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Revision',
        metadata: { name: revision, namespace, labels },
      });
    }
    api.setStatus(
      { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', namespace, name: revision },
      {
        actualReplicas,
        conditions: [{ type: 'Ready', status: conditionStatus, ...(message ? { message } : {}) }],
      },
    );
  };
  api.setStatus(ref(isvc), status(all('Unknown'), previousReady));
  setRevision('Unknown', 0);
  const deployment = api.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${revision}-deployment`, namespace, labels },
    spec: { replicas: 1 },
    status: { replicas: 1, readyReplicas: 1 },
  });
  api.put({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${revision}-deployment-7d9f8`,
      namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deployment.metadata.name,
          uid: deployment.metadata.uid!,
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'kserve-container',
          volumeMounts: pvc
            ? [{ name: 'kserve-pvc-source', mountPath: '/mnt/models', subPath: pvc[2], readOnly: true }]
            : [],
        },
        { name: 'queue-proxy' },
      ],
      volumes: pvc ? [{ name: 'kserve-pvc-source', persistentVolumeClaim: { claimName: pvc[1] } }] : [],
    },
    status: { phase: 'Running' },
  });
  const stillLatest = () => live()?.metadata.generation === isvc.metadata.generation;
  api.schedule(step, () => {
    if (!stillLatest()) return;
    api.setStatus(ref(isvc), status(all('False', 'RevisionMissing'), previousReady));
    if (options.stallRevision?.(isvc)) return;
    const failure = options.failRevision?.(isvc);
    api.schedule(step, () => {
      if (!stillLatest()) return;
      if (failure !== undefined) {
        setRevision('False', 0, failure);
        const servedBefore = previousReady ? 'True' : 'False';
        api.setStatus(
          ref(isvc),
          status(
            [
              { type: 'IngressReady', status: servedBefore },
              { type: 'PredictorReady', status: servedBefore },
              { type: 'LatestDeploymentReady', status: 'False', reason: 'RevisionFailed', message: failure },
              { type: 'Ready', status: servedBefore, ...(previousReady ? {} : { reason: 'RevisionFailed' }) },
            ],
            previousReady,
            {
              modelStatus: {
                transitionStatus: 'BlockedByFailedLoad',
                lastFailureInfo: { reason: 'ModelLoadFailed', message: failure },
              },
            },
          ),
        );
        return;
      }
      setRevision('True', Math.max(1, predictor.minReplicas ?? 1));
      api.setStatus(ref(isvc), status([{ type: 'IngressReady', status: 'True' }, ...all('True')], revision));
      if (!previousReady || stillServed(live(), previousReady)) return;
      // The old revision gets no traffic any more; its pod drains, then goes.
      api.schedule(step * drainSteps, () => {
        const old = api.get('apps/v1', 'Deployment', namespace, `${previousReady}-deployment`);
        if (old) api.remove(old);
      });
    });
  });
}

type Condition = { type: string; status: string; reason?: string; message?: string };

interface TrafficTarget {
  revisionName: string;
  percent: number;
  latestRevision: boolean;
  tag?: string;
}

interface PredictorStatus {
  latestCreatedRevision?: string;
  latestReadyRevision?: string;
  latestRolledoutRevision?: string;
  previousRolledoutRevision?: string;
  traffic?: TrafficTarget[];
  url?: string;
  address?: { url: string };
}

/** The predictor's template: what makes a new revision when it changes (everything but canaryTrafficPercent). */
function templateOf(isvc: StoredObject): string {
  const { canaryTrafficPercent: _canary, ...template } = (isvc.spec as { predictor: Record<string, unknown> })
    .predictor;
  return JSON.stringify(template);
}

const predictorStatusOf = (isvc: StoredObject | undefined): PredictorStatus =>
  (isvc?.status as { components?: { predictor?: PredictorStatus } } | undefined)?.components?.predictor ?? {};

/**
 * KServe's traffic for the predictor (ksvc_reconciler.go): with canaryTrafficPercent and a rolled-out revision,
 * the latest ready revision gets that share and the last rolled-out one the rest; otherwise the latest gets all.
 * Then PropagateStatus: the latest ready revision at 100 % becomes the latest rolled out (the one before it the
 * previous); a latest revision already rolled out that is pinned below 100 % hands that back to the previous one,
 * and KServe reconciles again. Repeated here until nothing moves.
 */
function routed(
  canary: number | undefined,
  latestReady: string | undefined,
  before: PredictorStatus,
): Pick<PredictorStatus, 'traffic' | 'latestRolledoutRevision' | 'previousRolledoutRevision'> {
  let latestRolledout = before.latestRolledoutRevision;
  let previousRolledout = before.previousRolledoutRevision;
  let traffic: TrafficTarget[] = [];
  if (!latestReady)
    return {
      traffic,
      latestRolledoutRevision: latestRolledout,
      previousRolledoutRevision: previousRolledout,
    };
  for (let round = 0; round < 3; round++) {
    traffic =
      canary !== undefined && latestRolledout
        ? [
            { revisionName: latestReady, percent: canary, latestRevision: true },
            ...(canary < 100
              ? [{ revisionName: latestRolledout, percent: 100 - canary, latestRevision: false, tag: 'prev' }]
              : []),
          ]
        : [{ revisionName: latestReady, percent: 100, latestRevision: true }];
    const latest = traffic[0]!;
    const toLatest = traffic
      .filter((target) => target.revisionName === latestReady)
      .reduce((sum, target) => sum + target.percent, 0);
    if (latestRolledout !== latestReady) {
      if (latest.percent !== 100) break;
      previousRolledout = latestRolledout;
      latestRolledout = latestReady;
    } else if (latest.percent < 100 && toLatest === 100 && previousRolledout) {
      latestRolledout = previousRolledout;
    } else break;
  }
  return { traffic, latestRolledoutRevision: latestRolledout, previousRolledoutRevision: previousRolledout };
}

/** The InferenceService's status after a reconcile: conditions, revisions, traffic, and URLs once it was ready. */
function statusOf(
  live: StoredObject,
  next: {
    observedGeneration?: number;
    latestCreatedRevision: string;
    latestReadyRevision: string | undefined;
    conditions: Condition[];
    extra?: Record<string, unknown>;
  },
): Record<string, unknown> {
  const { name, namespace } = live.metadata;
  const before = predictorStatusOf(live);
  const canary = (live.spec as { predictor: { canaryTrafficPercent?: number } }).predictor
    .canaryTrafficPercent;
  const ready = next.conditions.find((condition) => condition.type === 'Ready')?.status === 'True';
  const wasReady = before.url !== undefined;
  const predictorUrl = `http://${name}-predictor.${namespace}.svc.cluster.local`;
  const serviceUrl = `http://${name}.${namespace}.svc.cluster.local`;
  return {
    observedGeneration: next.observedGeneration,
    ...(ready || wasReady ? { url: serviceUrl, address: { url: serviceUrl } } : {}),
    components: {
      predictor: {
        latestCreatedRevision: next.latestCreatedRevision,
        latestReadyRevision: next.latestReadyRevision,
        ...routed(canary, next.latestReadyRevision, before),
        ...(ready || wasReady ? { url: predictorUrl, address: { url: predictorUrl } } : {}),
      },
    },
    conditions: next.conditions,
    ...next.extra,
  };
}

/** A change of canaryTrafficPercent only: the same revisions, traffic moved, conditions as they were. */
function reroute(api: FakeKubeApi, isvc: StoredObject): void {
  const live = api.get(isvc.apiVersion, isvc.kind, isvc.metadata.namespace, isvc.metadata.name);
  if (!live || live.metadata.generation !== isvc.metadata.generation) return;
  const before = predictorStatusOf(live);
  const {
    conditions = [],
    observedGeneration: _generation,
    components: _components,
    url: _url,
    address: _address,
    ...rest
  } = (live.status ?? {}) as Record<string, unknown> & { conditions?: Condition[] };
  api.setStatus(ref(live), {
    ...statusOf(live, {
      observedGeneration: live.metadata.generation,
      latestCreatedRevision: before.latestCreatedRevision ?? '',
      latestReadyRevision: before.latestReadyRevision,
      conditions,
      extra: rest,
    }),
  });
}

/** Whether a revision still takes part of the traffic (a pinned, rolled-out one): its pod does not drain. */
function stillServed(live: StoredObject | undefined, revision: string): boolean {
  return (predictorStatusOf(live).traffic ?? []).some(
    (target) => target.revisionName === revision && target.percent > 0,
  );
}
