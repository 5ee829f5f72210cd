import type { Cluster } from '../cluster/cluster.js';
import { ClusterError, MissingApiError } from '../cluster/errors.js';
import { applyOrder } from '../manifests/apply-order.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { modelVersionJobs, withModelVersion } from '../manifests/model-versions.js';
import { numberAt, stringAt } from './conditions.js';
import { externalSecretReferences } from './external-references.js';
import { deleteJobForRerun, jobTerminationMessage } from './jobs.js';
import { collectUnusedModelVersions } from './model-version-collection.js';
import { type ReadinessExpectation, waitUntilReady } from './readiness.js';

export interface DeployOptions {
  wait: boolean;
  timeoutMs: number;
  pollMs?: number;
  log: (line: string) => void;
}

export interface DeployResult {
  applied: string[];
  recreatedJobs: string[];
  /** InferenceService name → the model version it was deployed with. */
  modelVersions: Map<string, string>;
  /** InferenceService name → the collector's report (versions kept and deleted) once the revision was Ready. */
  collections: Map<string, string>;
}

/**
 * Applies an overlay's objects with server-side apply, in dependency order, after checking that the cluster
 * serves every kind (CRDs installed) and holds every Secret the overlay expects to exist. Jobs are run anew
 * (a Job's pod template is immutable, and the model loader must run for the image being deployed). An
 * InferenceService fed by a model loader Job is applied only once that Job has completed, pointing at the
 * version it published; the versions nothing uses any more are collected once the new revision is Ready.
 */
export async function deploy(
  cluster: Cluster,
  objects: KubernetesObject[],
  options: DeployOptions,
): Promise<DeployResult> {
  const ordered = applyOrder(objects);
  const versionJobs = modelVersionJobs(ordered);
  const collectors = new Set(versionJobs.collectors.values());

  const existing = new Map<KubernetesObject, KubernetesObject | undefined>();
  const missingApis = new Set<string>();
  for (const object of ordered) {
    try {
      existing.set(object, await cluster.read(object));
    } catch (error) {
      if (!(error instanceof MissingApiError)) throw error;
      missingApis.add(`${object.kind} (${object.apiVersion})`);
    }
  }
  if (missingApis.size > 0) {
    throw new MissingApiError(
      `the cluster does not serve ${[...missingApis].join(', ')}: install KServe, Knative Serving and Istio first (run_all_k8s.sh does)`,
    );
  }

  const missingSecrets: string[] = [];
  for (const reference of externalSecretReferences(ordered)) {
    const secret = await cluster.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: reference.name, namespace: reference.namespace },
    });
    if (!secret)
      missingSecrets.push(`${reference.namespace}/${reference.name} (used by ${reference.referrer})`);
  }
  if (missingSecrets.length > 0) {
    throw new ClusterError(
      `missing Secret ${missingSecrets.join(', ')}: this overlay does not commit secrets; create them first (see environments/README.md, "Secrets")`,
    );
  }

  const result: DeployResult = {
    applied: [],
    recreatedJobs: [],
    modelVersions: new Map(),
    collections: new Map(),
  };
  const expectations = new Map<string, ReadinessExpectation>();
  for (const original of ordered) {
    if (collectors.has(original)) continue;
    let object = original;
    const loader =
      object.kind === 'InferenceService' ? versionJobs.loaders.get(object.metadata.name) : undefined;
    if (loader) {
      await waitUntilReady(cluster, [loader], { timeoutMs: options.timeoutMs, pollMs: options.pollMs });
      const version = await jobTerminationMessage(cluster, loader);
      object = withModelVersion(object, version);
      result.modelVersions.set(object.metadata.name, version);
      options.log(`model    ${describeObject(loader)} published ${version}`);
    }
    if (object.kind === 'Job' && (await deleteJobForRerun(cluster, object, options.timeoutMs))) {
      result.recreatedJobs.push(describeObject(object));
    }
    const before = existing.get(original);
    const applied = await cluster.apply(object);
    if (
      object.kind === 'InferenceService' &&
      before &&
      numberAt(applied, 'metadata', 'generation') !== numberAt(before, 'metadata', 'generation')
    ) {
      const revisionBefore = stringAt(before, 'status', 'components', 'predictor', 'latestCreatedRevision');
      if (revisionBefore) expectations.set(describeObject(object), { revisionBefore });
    }
    result.applied.push(describeObject(object));
    options.log(`applied  ${describeObject(object)}`);
  }

  if (options.wait) {
    await waitUntilReady(
      cluster,
      ordered.filter((object) => !collectors.has(object)),
      { timeoutMs: options.timeoutMs, pollMs: options.pollMs, log: options.log, expectations },
    );
    for (const [name, collector] of versionJobs.collectors) {
      const isvc = ordered.find(
        (object) => object.kind === 'InferenceService' && object.metadata.name === name,
      )!;
      const outcome = await collectUnusedModelVersions(cluster, {
        isvc,
        collector,
        version: result.modelVersions.get(name)!,
        timeoutMs: options.timeoutMs,
        pollMs: options.pollMs,
      });
      result.collections.set(name, outcome);
      options.log(`model    ${describeObject(collector)}: ${outcome}`);
    }
  } else {
    for (const collector of collectors) {
      options.log(
        `skipped  ${describeObject(collector)}: old model versions are collected once the new revision is Ready (deploy --wait)`,
      );
    }
  }
  return result;
}
