import { describeObject, type KubernetesObject } from './kubernetes-object.js';
import { MODEL_VERSION_ANNOTATION, predictorOf, setPredictorAnnotation } from './revision-inputs.js';

/**
 * Immutable, versioned model repositories on a volume. A loader Job copies the repository into its own
 * content-addressed directory (`<prefix>-<hash>`) and reports that name as its termination message; the
 * InferenceService is applied only afterwards, with `storageUri` pointing at that directory; a collector
 * Job deletes the versions no predictor uses any more once the new revision is Ready. KServe mounts a pvc://
 * storageUri with `subPath` (kserve/kserve v0.15.2 pkg/webhook/admission/pod/storage_initializer_injector.go,
 * enableDirectPvcVolumeMount), so a directory that is replaced or deleted under a running predictor leaves
 * it serving an empty, deleted directory: a version is never written twice and never removed while mounted.
 */
/** On a Job: it publishes a model version for the named InferenceService (same namespace). */
export const LOADER_ANNOTATION = 'detection.local/publishes-model-version-to';
/** On a Job: it deletes the model versions of the named InferenceService that nothing uses. */
export const COLLECTOR_ANNOTATION = 'detection.local/collects-model-versions-of';
/** The collector's environment variable listing the versions to keep (space-separated). */
export const KEEP_VERSIONS_ENV = 'KEEP_MODEL_VERSIONS';
/** Where KServe mounts the model repository in the predictor container. */
export const MODEL_MOUNT_PATH = '/mnt/models';

export interface ModelVersionJobs {
  /** InferenceService name → the Job that publishes its model version. */
  loaders: Map<string, KubernetesObject>;
  /** InferenceService name → the Job that collects its unused versions. */
  collectors: Map<string, KubernetesObject>;
}

export function modelVersionJobs(objects: KubernetesObject[]): ModelVersionJobs {
  const jobs: ModelVersionJobs = { loaders: new Map(), collectors: new Map() };
  for (const job of objects.filter((object) => object.kind === 'Job')) {
    const annotations = job.metadata.annotations ?? {};
    for (const [annotation, byTarget] of [
      [LOADER_ANNOTATION, jobs.loaders],
      [COLLECTOR_ANNOTATION, jobs.collectors],
    ] as const) {
      const target = annotations[annotation];
      if (!target) continue;
      const isvc = objects.find(
        (object) =>
          object.kind === 'InferenceService' &&
          object.metadata.name === target &&
          object.metadata.namespace === job.metadata.namespace,
      );
      if (!isvc) {
        throw new Error(
          `${describeObject(job)}: ${annotation} names InferenceService ${target}, which is not in the overlay`,
        );
      }
      byTarget.set(target, job);
    }
  }
  for (const [target, collector] of jobs.collectors) {
    if (!jobs.loaders.has(target))
      throw new Error(
        `${describeObject(collector)} collects versions of ${target}, which no loader Job publishes`,
      );
  }
  return jobs;
}

/** `pvc://claim/dir` → { claim, directory }; undefined for any other storageUri. */
export function parsePvcUri(
  storageUri: string | undefined,
): { claim: string; directory: string } | undefined {
  const match = /^pvc:\/\/([^/]+)\/(.+)$/.exec(storageUri ?? '');
  return match ? { claim: match[1]!, directory: match[2]! } : undefined;
}

/**
 * The InferenceService to apply for a published version: a copy whose storageUri names the version's
 * directory (the rendered one names the prefix, `pvc://claim/models` → `pvc://claim/models-<hash>`) and
 * whose predictor carries the version as an annotation.
 */
export function withModelVersion(isvc: KubernetesObject, version: string): KubernetesObject {
  const copy = structuredClone(isvc);
  const model = predictorOf(copy)?.model;
  const pvc = parsePvcUri(model?.storageUri);
  if (!model || !pvc) {
    throw new Error(`${describeObject(isvc)}: a published model version needs a pvc:// storageUri`);
  }
  // Versions are directories at the top of the volume, where the loader and the collector work.
  if (pvc.directory.includes('/')) {
    throw new Error(
      `${describeObject(isvc)}: storageUri ${model.storageUri} must name a top-level directory`,
    );
  }
  const prefix = pvc.directory;
  if (!new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{12,64}$`).test(version)) {
    throw new Error(
      `${describeObject(isvc)}: the loader reported "${version}", not a version of ${prefix} (${prefix}-<hash>)`,
    );
  }
  model.storageUri = `pvc://${pvc.claim}/${version}`;
  setPredictorAnnotation(copy, MODEL_VERSION_ANNOTATION, version);
  return copy;
}

/** The collector Job to apply: a copy told which versions to keep. */
export function withKeptVersions(collector: KubernetesObject, versions: string[]): KubernetesObject {
  if (versions.length === 0) throw new Error('refusing to collect model versions with nothing to keep');
  const copy = structuredClone(collector);
  const containers =
    (
      copy.spec as {
        template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } };
      }
    ).template?.spec?.containers ?? [];
  const container = containers[0];
  if (!container) throw new Error(`${describeObject(collector)} has no container`);
  container.env = [
    ...(container.env ?? []).filter((variable) => variable.name !== KEEP_VERSIONS_ENV),
    { name: KEEP_VERSIONS_ENV, value: [...new Set(versions)].sort().join(' ') },
  ];
  return copy;
}

interface PodLike {
  metadata: { deletionTimestamp?: string };
  spec?: {
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName?: string } }>;
    containers?: Array<{ volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }> }>;
  };
  status?: { phase?: string };
}

/** The model versions (subPath of the claim at /mnt/models) that these predictor pods still mount. */
export function mountedModelVersions(pods: KubernetesObject[], claim: string): string[] {
  const versions = new Set<string>();
  for (const pod of pods as unknown as PodLike[]) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const claimVolumes = new Set(
      (pod.spec?.volumes ?? [])
        .filter((volume) => volume.persistentVolumeClaim?.claimName === claim)
        .map((volume) => volume.name),
    );
    for (const container of pod.spec?.containers ?? []) {
      for (const mount of container.volumeMounts ?? []) {
        if (mount.mountPath === MODEL_MOUNT_PATH && claimVolumes.has(mount.name) && mount.subPath) {
          versions.add(mount.subPath);
        }
      }
    }
  }
  return [...versions].sort();
}
