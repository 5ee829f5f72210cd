import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { isKubernetesObject, type KubernetesObject } from './kubernetes-object.js';

const run = promisify(execFile);

export const environmentsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const overlaysDir = path.join(environmentsDir, 'overlays');

/** Overlay names: the directories under environments/overlays that hold a kustomization. */
export function overlayNames(): string[] {
  return fs
    .readdirSync(overlaysDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() && fs.existsSync(path.join(overlaysDir, entry.name, 'kustomization.yaml')),
    )
    .map((entry) => entry.name)
    .sort();
}

/** An overlay name (`local`) or a path to any kustomization directory. */
export function resolveOverlay(overlay: string): string {
  const named = path.join(overlaysDir, overlay);
  if (/^[a-z0-9-]+$/.test(overlay) && fs.existsSync(path.join(named, 'kustomization.yaml'))) return named;
  const asPath = path.resolve(overlay);
  if (fs.existsSync(path.join(asPath, 'kustomization.yaml'))) return asPath;
  throw new Error(
    `unknown overlay "${overlay}": expected one of ${overlayNames().join(', ')} or a kustomization directory`,
  );
}

export interface RenderOptions {
  /** kubectl binary (its built-in kustomize renders the overlay). */
  kubectl?: string;
}

/** Renders a kustomization with `kubectl kustomize` and parses every resource in it. */
export async function renderOverlay(
  overlay: string,
  options: RenderOptions = {},
): Promise<KubernetesObject[]> {
  const directory = resolveOverlay(overlay);
  const kubectl = options.kubectl ?? process.env.KUBECTL ?? 'kubectl';
  let stdout: string;
  try {
    ({ stdout } = await run(kubectl, ['kustomize', directory], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        `cannot render ${directory}: "${kubectl}" was not found (install kubectl, or set KUBECTL)`,
      );
    }
    throw new Error(`kubectl kustomize ${directory} failed: ${(failure.stderr ?? failure.message).trim()}`);
  }
  return parseManifests(stdout, directory);
}

export function parseManifests(text: string, source: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(`${source}: invalid YAML: ${document.errors.map((error) => error.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubernetesObject(value)) {
      throw new Error(`${source}: a document is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    objects.push(value);
  }
  return objects;
}
