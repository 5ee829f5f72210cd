import type { KubernetesObject } from './kubernetes-object.js';

/**
 * Apply order: what others refer to goes first (namespace, runtime, identities, configuration, storage),
 * then the one-shot Job that fills the model volume, workloads, mesh policy, and the InferenceService last,
 * so that its first revision finds the runtime, the service account and the model volume in place.
 */
const kindRank: Record<string, number> = {
  Namespace: 0,
  CustomResourceDefinition: 0,
  ClusterServingRuntime: 1,
  ServingRuntime: 1,
  ServiceAccount: 2,
  Role: 2,
  RoleBinding: 2,
  Secret: 3,
  ConfigMap: 3,
  PersistentVolumeClaim: 4,
  Job: 5,
  Service: 6,
  Deployment: 6,
  PeerAuthentication: 7,
  AuthorizationPolicy: 7,
  Gateway: 7,
  VirtualService: 8,
  InferenceService: 9,
};
const unknownRank = 8;

export function rankOf(object: KubernetesObject): number {
  return kindRank[object.kind] ?? unknownRank;
}

/** A stable sort by rank (objects of equal rank keep the overlay's order). */
export function applyOrder(objects: KubernetesObject[]): KubernetesObject[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rankOf(a.object) - rankOf(b.object) || a.index - b.index)
    .map(({ object }) => object);
}

export function deleteOrder(objects: KubernetesObject[]): KubernetesObject[] {
  return applyOrder(objects).reverse();
}
