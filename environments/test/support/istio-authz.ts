/**
 * How Istio's sidecar decides a request to a workload, for the parts of Istio 1.23's semantics the overlay
 * uses, so the mesh policies can be tested as behaviour (who gets in, on which port) rather than as YAML:
 * - PeerAuthentication: a workload-selecting policy overrides the namespace-wide one; `portLevelMtls`
 *   overrides the mode for one port; STRICT refuses plain text (the connection is reset);
 * - AuthorizationPolicy (ALLOW only, as in the overlay): when ALLOW policies select the workload, a request
 *   is allowed if one rule matches: any `from` source (principals, namespaces: mTLS identities only), any
 *   `to` operation (ports, methods, paths with `*` prefix/suffix wildcards), and every `when` condition
 *   (request.headers[...]); a rule without `from` matches any caller, including plain text.
 * Reference: istio.io docs "Authorization Policy" and "PeerAuthentication" (security.istio.io/v1).
 */
import type { KubernetesObject } from '../../src/manifests/kubernetes-object.js';
import type { AuthorizationPolicy, PeerAuthentication } from './manifest-types.js';

export interface MeshRequest {
  /** The workload's port the request arrives on. */
  port: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** The caller's SPIFFE principal (cluster.local/ns/<ns>/sa/<sa>); absent for plain text (no sidecar, kubelet). */
  principal?: string;
}

export type MeshDecision = 'allowed' | 'reset (STRICT mTLS)' | 'denied (RBAC: access denied)';

const selects = (
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string>,
) => Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

const pathMatches = (pattern: string, path: string) =>
  pattern === '*' ||
  pattern === path ||
  (pattern.endsWith('*') && path.startsWith(pattern.slice(0, -1))) ||
  (pattern.startsWith('*') && path.endsWith(pattern.slice(1)));

export function mtlsMode(
  objects: KubernetesObject[],
  namespace: string,
  labels: Record<string, string>,
  port: number,
): string {
  const policies = objects.filter(
    (object) => object.kind === 'PeerAuthentication' && object.metadata.namespace === namespace,
  ) as PeerAuthentication[];
  const workload = policies.find((policy) => policy.spec.selector && selects(policy.spec.selector, labels));
  const namespaceWide = policies.find((policy) => !policy.spec.selector);
  const portMode = workload?.spec.portLevelMtls?.[String(port)]?.mode;
  return portMode ?? workload?.spec.mtls?.mode ?? namespaceWide?.spec.mtls?.mode ?? 'PERMISSIVE';
}

export function decide(
  objects: KubernetesObject[],
  namespace: string,
  labels: Record<string, string>,
  request: MeshRequest,
): MeshDecision {
  if (!request.principal && mtlsMode(objects, namespace, labels, request.port) === 'STRICT') {
    return 'reset (STRICT mTLS)';
  }
  const policies = (
    objects.filter(
      (object) => object.kind === 'AuthorizationPolicy' && object.metadata.namespace === namespace,
    ) as AuthorizationPolicy[]
  ).filter((policy) => (policy.spec.action ?? 'ALLOW') === 'ALLOW' && selects(policy.spec.selector, labels));
  if (policies.length === 0) return 'allowed';
  const callerNamespace = /^cluster\.local\/ns\/([^/]+)\//.exec(request.principal ?? '')?.[1];
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const matches = policies.some((policy) =>
    policy.spec.rules.some((rule) => {
      const fromOk =
        !rule.from ||
        rule.from.some(({ source }) => {
          if (!request.principal) return false;
          if (source.principals && !source.principals.includes(request.principal)) return false;
          if (source.namespaces && !source.namespaces.includes(callerNamespace ?? '')) return false;
          return true;
        });
      const toOk =
        !rule.to ||
        rule.to.some(({ operation }) => {
          if (operation.ports && !operation.ports.includes(String(request.port))) return false;
          if (operation.methods && !operation.methods.includes(request.method)) return false;
          if (operation.paths && !operation.paths.some((pattern) => pathMatches(pattern, request.path)))
            return false;
          return true;
        });
      const whenOk = (rule.when ?? []).every(({ key, values }) => {
        const header = /^request\.headers\[(.+)\]$/.exec(key)?.[1];
        if (!header) throw new Error(`condition ${key} is not modelled here`);
        return values.includes(headers[header.toLowerCase()] ?? '');
      });
      return fromOk && toOk && whenOk;
    }),
  );
  return matches ? 'allowed' : 'denied (RBAC: access denied)';
}
