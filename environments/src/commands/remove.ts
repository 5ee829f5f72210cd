import type { Cluster } from '../cluster/cluster.js';
import { deleteOrder } from '../manifests/apply-order.js';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';

export interface RemoveOptions {
  /** Also delete PersistentVolumeClaims and the Namespace (which deletes everything left in it). */
  purgeData: boolean;
  log: (line: string) => void;
}

export interface RemoveResult {
  deleted: string[];
  absent: string[];
  kept: string[];
}

/** Deletes an overlay's objects in reverse apply order; by default keeps data (PVCs) and the namespace. */
export async function remove(
  cluster: Cluster,
  objects: KubernetesObject[],
  options: RemoveOptions,
): Promise<RemoveResult> {
  const result: RemoveResult = { deleted: [], absent: [], kept: [] };
  for (const object of deleteOrder(objects)) {
    const name = describeObject(object);
    if (!options.purgeData && (object.kind === 'PersistentVolumeClaim' || object.kind === 'Namespace')) {
      result.kept.push(name);
      options.log(`kept     ${name} (pass --purge-data to delete it)`);
      continue;
    }
    const outcome = await cluster.delete(object, 'Background');
    result[outcome].push(name);
    options.log(`${outcome === 'deleted' ? 'deleted ' : 'absent  '} ${name}`);
  }
  return result;
}
