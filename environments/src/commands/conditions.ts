import type { KubernetesObject } from '../manifests/kubernetes-object.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditionsOf(object: KubernetesObject | undefined): Condition[] {
  const status = object?.status as { conditions?: unknown } | undefined;
  if (!Array.isArray(status?.conditions)) return [];
  return status.conditions.filter(
    (condition): condition is Condition =>
      typeof condition === 'object' &&
      condition !== null &&
      typeof (condition as Condition).type === 'string' &&
      typeof (condition as Condition).status === 'string',
  );
}

export function condition(object: KubernetesObject | undefined, type: string): Condition | undefined {
  return conditionsOf(object).find((candidate) => candidate.type === type);
}

export function numberAt(object: KubernetesObject | undefined, ...path: string[]): number | undefined {
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : undefined;
}

export function stringAt(object: KubernetesObject | undefined, ...path: string[]): string | undefined {
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : undefined;
}
