import type { KubernetesObject } from './kubernetes-object.js';

interface AuthorizationPolicySpec {
  action?: string;
  selector?: { matchLabels?: Record<string, string> };
  rules?: Array<{
    from?: Array<{ source?: { principals?: string[] } }>;
    to?: unknown[];
    when?: unknown[];
  }>;
}

/**
 * The workload identities (Istio principals) that the overlay's ALLOW AuthorizationPolicies admit to pods
 * with these labels for any request: rules with a `from` principal and no `to`/`when` restriction.
 */
export function admittedPrincipals(
  objects: KubernetesObject[],
  namespace: string,
  podLabels: Record<string, string>,
): string[] {
  const principals = new Set<string>();
  for (const policy of objects) {
    if (policy.kind !== 'AuthorizationPolicy' || policy.metadata.namespace !== namespace) continue;
    const spec = (policy.spec ?? {}) as AuthorizationPolicySpec;
    if ((spec.action ?? 'ALLOW') !== 'ALLOW') continue;
    const selector = spec.selector?.matchLabels ?? {};
    if (!Object.entries(selector).every(([key, value]) => podLabels[key] === value)) continue;
    for (const rule of spec.rules ?? []) {
      if (rule.to?.length || rule.when?.length) continue;
      for (const from of rule.from ?? [])
        for (const principal of from.source?.principals ?? []) principals.add(principal);
    }
  }
  return [...principals].sort();
}
