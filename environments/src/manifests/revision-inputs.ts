import type { KubernetesObject } from './kubernetes-object.js';

/** Annotations the deploy tool writes on a predictor (prefix of this project's own keys). */
export const RUNTIME_IMAGE_ANNOTATION = 'detection.local/runtime-image';
export const MODEL_VERSION_ANNOTATION = 'detection.local/model-version';

interface PredictorSpec {
  annotations?: Record<string, string>;
  model?: { runtime?: string; storageUri?: string };
}

export function predictorOf(isvc: KubernetesObject): PredictorSpec | undefined {
  return (isvc.spec as { predictor?: PredictorSpec } | undefined)?.predictor;
}

/** Sets one annotation of the predictor (copied by KServe onto the revision template and its pods). */
export function setPredictorAnnotation(isvc: KubernetesObject, key: string, value: string): void {
  const predictor = predictorOf(isvc);
  if (!predictor) return;
  predictor.annotations = { ...predictor.annotations, [key]: value };
}

/**
 * Writes the image of each InferenceService's serving runtime into its predictor's annotations. KServe
 * v0.15 does not watch (Cluster)ServingRuntimes: a new image in the runtime alone never reaches a running
 * InferenceService (kserve/kserve#3683, fixed only in v0.16 by kserve/kserve#4342). Changing the predictor
 * spec makes KServe reconcile, read the runtime again and update the Knative Service, whose changed
 * revision template (image and annotation) is a new revision.
 */
export function stampRuntimeImages(objects: KubernetesObject[]): void {
  for (const isvc of objects.filter((object) => object.kind === 'InferenceService')) {
    const runtimeName = predictorOf(isvc)?.model?.runtime;
    if (!runtimeName) continue;
    const runtime = objects.find(
      (object) =>
        (object.kind === 'ClusterServingRuntime' ||
          (object.kind === 'ServingRuntime' && object.metadata.namespace === isvc.metadata.namespace)) &&
        object.metadata.name === runtimeName,
    );
    const containers = (
      runtime?.spec as { containers?: Array<{ name?: string; image?: string }> } | undefined
    )?.containers;
    const image = (containers?.find((container) => container.name === 'kserve-container') ?? containers?.[0])
      ?.image;
    if (image) setPredictorAnnotation(isvc, RUNTIME_IMAGE_ANNOTATION, image);
  }
}
