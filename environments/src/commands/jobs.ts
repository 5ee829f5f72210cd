import { type Cluster, sleep } from '../cluster/cluster.js';
import { ClusterError, WaitTimeoutError } from '../cluster/errors.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import { stringAt } from './conditions.js';

/**
 * Deletes a Job (and its pods, Foreground) and waits until it is gone, so that it can be applied anew: a
 * Job's pod template is immutable. Returns whether there was one.
 */
export async function deleteJobForRerun(
  cluster: Cluster,
  job: KubernetesObject,
  timeoutMs: number,
): Promise<boolean> {
  if (!(await cluster.read(job))) return false;
  await cluster.delete(job, 'Foreground');
  const deadline = Date.now() + timeoutMs;
  while (await cluster.read(job)) {
    if (Date.now() >= deadline)
      throw new WaitTimeoutError(`timed out waiting for ${describeObject(job)} to be deleted`);
    await sleep(200);
  }
  return true;
}

interface ContainerStatus {
  name?: string;
  state?: { terminated?: { exitCode?: number; message?: string } };
}

/**
 * The termination message (the container's /dev/termination-log) of the Job's pod that succeeded: how a
 * Job hands a result back without logs or API access. Pods are found by the label the Job controller puts
 * on them (`batch.kubernetes.io/controller-uid`), so a pod of an earlier run of the same Job never counts.
 */
export async function jobTerminationMessage(cluster: Cluster, job: KubernetesObject): Promise<string> {
  const live = await cluster.read(job);
  const uid = stringAt(live, 'metadata', 'uid');
  if (!live || !uid) throw new ClusterError(`${describeObject(job)} does not exist`);
  const pods = await cluster.list(
    'v1',
    'Pod',
    job.metadata.namespace ?? 'default',
    `batch.kubernetes.io/controller-uid=${uid}`,
  );
  for (const pod of pods) {
    const statuses = ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)
      ?.containerStatuses ?? []) as ContainerStatus[];
    const terminated = statuses[0]?.state?.terminated;
    if (terminated?.exitCode === 0 && terminated.message?.trim()) return terminated.message.trim();
  }
  throw new ClusterError(
    `${describeObject(job)} completed without a termination message (kubectl -n ${job.metadata.namespace} logs job/${job.metadata.name})`,
  );
}
