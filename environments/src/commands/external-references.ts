import type { KubernetesObject } from '../manifests/kubernetes-object.js';

export interface SecretReference {
  namespace: string;
  name: string;
  /** Who refers to it, for the message. */
  referrer: string;
}

/**
 * Secrets that workloads or service accounts need but the overlay does not contain (they are created out
 * of band: API tokens, S3 credentials). Optional references are skipped.
 */
export function externalSecretReferences(objects: KubernetesObject[]): SecretReference[] {
  const rendered = new Set(
    objects
      .filter((object) => object.kind === 'Secret')
      .map((secret) => `${secret.metadata.namespace}/${secret.metadata.name}`),
  );
  const found = new Map<string, SecretReference>();
  const add = (namespace: string | undefined, name: unknown, referrer: string) => {
    if (!namespace || typeof name !== 'string') return;
    const key = `${namespace}/${name}`;
    if (!rendered.has(key) && !found.has(key)) found.set(key, { namespace, name, referrer });
  };
  for (const object of objects) {
    const namespace = object.metadata.namespace;
    const referrer = `${object.kind} ${object.metadata.name}`;
    if (object.kind === 'ServiceAccount' && Array.isArray(object.secrets)) {
      for (const secret of object.secrets as Array<{ name?: unknown }>) add(namespace, secret.name, referrer);
    }
    const visit = (node: unknown, key: string | undefined): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item, key);
        return;
      }
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const optional = record.optional === true;
      if ((key === 'secretRef' || key === 'secretKeyRef') && !optional) add(namespace, record.name, referrer);
      if (key === 'secret' && !optional) add(namespace, record.secretName, referrer);
      for (const [childKey, child] of Object.entries(record)) visit(child, childKey);
    };
    if (object.kind !== 'Secret') visit(object.spec, 'spec');
  }
  return [...found.values()];
}
