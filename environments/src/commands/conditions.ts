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

/** The value at `path` inside `object`, or undefined where the path leaves the object. */
export function valueAt(object: KubernetesObject | undefined, path: string[]): unknown {
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function numberAt(object: KubernetesObject | undefined, ...path: string[]): number | undefined {
  const value = valueAt(object, path);
  return typeof value === 'number' ? value : undefined;
}

export function stringAt(object: KubernetesObject | undefined, ...path: string[]): string | undefined {
  const value = valueAt(object, path);
  return typeof value === 'string' ? value : undefined;
}
