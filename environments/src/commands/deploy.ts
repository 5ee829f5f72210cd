import { type Cluster, sleep } from '../cluster/cluster.js';
import { ClusterError, MissingApiError, WaitTimeoutError } from '../cluster/errors.js';
import { applyOrder } from '../manifests/apply-order.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { externalSecretReferences } from './external-references.js';
import { waitUntilReady } from './readiness.js';

export interface DeployOptions {
  wait: boolean;
  timeoutMs: number;
  pollMs?: number;
  log: (line: string) => void;
}

export interface DeployResult {
  applied: string[];
  recreatedJobs: string[];
}

/**
 * Applies an overlay's objects with server-side apply, in dependency order, after checking that the cluster
 * serves every kind (CRDs installed) and holds every Secret the overlay expects to exist. Jobs are run anew:
 * a Job's pod template is immutable, and the model loader must run for the image being deployed.
 */
export async function deploy(
  cluster: Cluster,
  objects: KubernetesObject[],
  options: DeployOptions,
): Promise<DeployResult> {
  const ordered = applyOrder(objects);

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

  const result: DeployResult = { applied: [], recreatedJobs: [] };
  for (const object of ordered) {
    if (object.kind === 'Job' && existing.get(object)) {
      await cluster.delete(object, 'Foreground');
      await waitUntilGone(cluster, object, options.timeoutMs);
      result.recreatedJobs.push(describeObject(object));
    }
    await cluster.apply(object);
    result.applied.push(describeObject(object));
    options.log(`applied  ${describeObject(object)}`);
  }

  if (options.wait) {
    await waitUntilReady(cluster, ordered, {
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
      log: options.log,
    });
  }
  return result;
}

async function waitUntilGone(cluster: Cluster, object: KubernetesObject, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await cluster.read(object)) {
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(`timed out waiting for ${describeObject(object)} to be deleted`);
    await sleep(500);
  }
}
