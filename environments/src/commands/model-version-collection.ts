import type { Cluster } from '../cluster/cluster.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { mountedModelVersions, parsePvcUri, withKeptVersions } from '../manifests/model-versions.js';
import { predictorOf } from '../manifests/revision-inputs.js';
import { deleteJobForRerun, jobTerminationMessage } from './jobs.js';
import { waitUntilReady } from './readiness.js';

export interface CollectionOptions {
  /** The InferenceService as rendered (its storageUri names the claim). */
  isvc: KubernetesObject;
  collector: KubernetesObject;
  /** The version the InferenceService now serves. */
  version: string;
  timeoutMs: number;
  pollMs?: number;
}

/**
 * Runs the collector Job once the new revision is Ready: it keeps the version being served and every
 * version a predictor pod still mounts (an old revision's pod drains its requests for a while after the
 * new one is Ready; its version goes at the next deploy), and deletes the others. Returns the collector's
 * report (its termination message).
 */
export async function collectUnusedModelVersions(
  cluster: Cluster,
  options: CollectionOptions,
): Promise<string> {
  const { isvc, collector } = options;
  const pvc = parsePvcUri(predictorOf(isvc)?.model?.storageUri);
  if (!pvc) throw new Error(`${describeObject(isvc)} has no pvc:// storageUri to collect versions from`);
  const pods = await cluster.list(
    'v1',
    'Pod',
    isvc.metadata.namespace ?? 'default',
    `serving.kserve.io/inferenceservice=${isvc.metadata.name}`,
  );
  const job = withKeptVersions(collector, [options.version, ...mountedModelVersions(pods, pvc.claim)]);
  await deleteJobForRerun(cluster, job, options.timeoutMs);
  await cluster.apply(job);
  await waitUntilReady(cluster, [job], { timeoutMs: options.timeoutMs, pollMs: options.pollMs });
  return jobTerminationMessage(cluster, job);
}
