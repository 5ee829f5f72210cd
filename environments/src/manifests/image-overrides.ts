import type { KubernetesObject } from './kubernetes-object.js';

export interface ImageOverride {
  /** Image name as rendered, without tag or digest (`kind.local/detection-backend`). */
  name: string;
  /** Full replacement reference (`kind.local/detection-backend:0.1.0-3f2a9c1`). */
  reference: string;
}

/** The repository part of an image reference: everything before `@digest` and before a `:tag` after the last `/`. */
export function imageName(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/** The tag of an image reference, or undefined when it has none (a digest-only reference has none either). */
export function imageTag(reference: string): string | undefined {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const name = imageName(reference);
  return withoutDigest.length > name.length ? withoutDigest.slice(name.length + 1) : undefined;
}

export function isPinnedReference(reference: string): boolean {
  const tag = imageTag(reference);
  return reference.includes('@sha256:') || (tag !== undefined && tag !== 'latest');
}

/** Parses `name=reference`; the reference must carry a tag other than latest, or a digest. */
export function parseImageOverride(argument: string): ImageOverride {
  const separator = argument.indexOf('=');
  if (separator <= 0 || separator === argument.length - 1) {
    throw new Error(
      `--image expects name=reference (for example kind.local/detection-backend=kind.local/detection-backend:0.1.0), got "${argument}"`,
    );
  }
  const name = argument.slice(0, separator);
  const reference = argument.slice(separator + 1);
  if (!isPinnedReference(reference)) {
    throw new Error(`--image ${name}: "${reference}" must name a tag other than latest, or a digest`);
  }
  return { name: imageName(name), reference };
}

/**
 * Replaces the images of every container and init container, at any depth (Deployments, Jobs, and the
 * ServingRuntime's `spec.containers` alike). Returns how many references were replaced per override.
 */
export function applyImageOverrides(
  objects: KubernetesObject[],
  overrides: ImageOverride[],
): Map<string, number> {
  const replaced = new Map(overrides.map((override) => [override.name, 0]));
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const container of value) {
          if (typeof container !== 'object' || container === null) continue;
          const image = (container as { image?: unknown }).image;
          if (typeof image !== 'string') continue;
          const override = overrides.find((candidate) => candidate.name === imageName(image));
          if (override) {
            (container as { image: string }).image = override.reference;
            replaced.set(override.name, (replaced.get(override.name) ?? 0) + 1);
          }
        }
      }
      visit(value);
    }
  };
  for (const object of objects) visit(object);
  return replaced;
}
