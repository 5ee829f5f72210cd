/**
 * The deploy tool against a stand-in for the Kubernetes API server (test/support/fake-kube-api.ts) on
 * 127.0.0.1, with simulated controllers (test/support/fake-controllers.ts): no cluster can run here. The
 * overlays are rendered for real with `kubectl kustomize`; the model loader and collector Jobs run their
 * real scripts (from the rendered overlay) against temporary directories; the CLI tests run the tool as a
 * separate process, exactly as run_all_k8s.sh does.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { type Cluster, connectCluster } from '../src/cluster/cluster.js';
import { ApiRejectedError, MissingApiError } from '../src/cluster/errors.js';
import { type DeployOptions, deploy } from '../src/commands/deploy.js';
import { remove } from '../src/commands/remove.js';
import { formatStatus, overlayStatus } from '../src/commands/status.js';
import { applyImageOverrides } from '../src/manifests/image-overrides.js';
import type { KubernetesObject } from '../src/manifests/kubernetes-object.js';
import { environmentsDir, renderOverlay } from '../src/manifests/overlays.js';
import {
  MODEL_VERSION_ANNOTATION,
  RUNTIME_IMAGE_ANNOTATION,
  stampRuntimeImages,
} from '../src/manifests/revision-inputs.js';
import { simulateControllers } from './support/fake-controllers.js';
import {
  FakeKubeApi,
  kubeconfigFor,
  type StoredObject,
  standardResourceTypes,
} from './support/fake-kube-api.js';
import { runJobScript } from './support/job-scripts.js';
import {
  type AuthorizationPolicy,
  type ConfigMap,
  type InferenceService,
  one,
} from './support/manifest-types.js';

const run = promisify(execFile);
const tsx = path.resolve(environmentsDir, '../node_modules/.bin/tsx');

let api: FakeKubeApi;
let workDir: string;
let kubeconfig: string;
/** What the model-server image carries at /mnt/models, and the model-repository volume, for the Job scripts. */
let modelSource: string;
let modelVolume: string;
/** The local overlay, rendered once: the deploy tool only reads the objects (apply sends a copy). */
let localObjects: KubernetesObject[];

beforeAll(async () => {
  localObjects = await renderOverlay('local');
});

async function startApi(
  options: ConstructorParameters<typeof FakeKubeApi>[0] = { token: 'test-token' },
): Promise<void> {
  api = new FakeKubeApi(options);
  await api.start();
  fs.writeFileSync(kubeconfig, kubeconfigFor(api.url));
}

function writeModels(content: string): void {
  fs.rmSync(modelSource, { recursive: true, force: true });
  fs.mkdirSync(path.join(modelSource, 'centernet-coco/1'), { recursive: true });
  fs.writeFileSync(
    path.join(modelSource, 'centernet-coco/config.json'),
    `{"name":"centernet-coco","v":"${content}"}`,
  );
  fs.writeFileSync(path.join(modelSource, 'centernet-coco/1/model.onnx'), `onnx ${content}`);
}

beforeEach(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'detection-k8s-'));
  kubeconfig = path.join(workDir, 'kubeconfig');
  modelSource = path.join(workDir, 'image-mnt-models');
  modelVolume = path.join(workDir, 'model-repository-volume');
  fs.mkdirSync(modelVolume);
  writeModels('first');
  await startApi();
});

afterEach(async () => {
  await api.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function cluster(): Cluster {
  return connectCluster({ kubeconfig, webhookRetryMs: 5_000 });
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['src/main.ts', ...args, '--kubeconfig', kubeconfig], {
      cwd: environmentsDir,
      env: { ...process.env, KUBECONFIG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const applies = () => api.requests.filter((request) => request.method === 'PATCH');
const appliedKinds = () => applies().map((request) => (request.body as StoredObject).kind);
const quiet: DeployOptions = { wait: false, timeoutMs: 20_000, pollMs: 10, log: () => undefined };

/** Controllers, with the Jobs running their real scripts on the temporary image and volume directories. */
function controllers(stepMs = 10): void {
  simulateControllers(api, {
    stepMs,
    runJob: async (job) => {
      const result = await runJobScript(job, { MODEL_SOURCE: modelSource, MODEL_VOLUME: modelVolume });
      return { exitCode: result.code, message: result.message };
    },
  });
}

const versionsOnVolume = () => fs.readdirSync(modelVolume).sort();
const liveIsvc = () => api.get('serving.kserve.io/v1beta1', 'InferenceService', 'detection', 'detector')!;
const predictorOf = (isvc: StoredObject) => (isvc.spec as InferenceService['spec']).predictor;

/** The local overlay as `deploy --image` renders it for a model-server image tag. */
function withModelServerTag(tag: string): KubernetesObject[] {
  const objects = structuredClone(localObjects);
  applyImageOverrides(objects, [
    { name: 'kind.local/detection-model-server', reference: `kind.local/detection-model-server:${tag}` },
  ]);
  stampRuntimeImages(objects);
  return objects;
}

describe('deploy', () => {
  test('applies the local overlay with strict server-side apply, namespace first, and the InferenceService last, once the loader has published its model version', async () => {
    controllers();
    const lines: string[] = [];
    const result = await deploy(cluster(), localObjects, { ...quiet, log: (line) => lines.push(line) });

    // The collector waits for a Ready revision, which only deploy --wait sees.
    expect(result.applied).toHaveLength(localObjects.length - 1);
    expect(lines).toContain(
      'skipped  Job detection/model-repository-collector: old model versions are collected once the new revision is Ready (deploy --wait)',
    );
    for (const request of applies()) {
      expect(request.contentType).toBe('application/apply-patch+yaml');
      expect(request.query.get('fieldManager')).toBe('detection-deploy');
      expect(request.query.get('force')).toBe('true');
      expect(request.query.get('fieldValidation')).toBe('Strict');
      expect(request.authorization).toBe('Bearer test-token');
    }
    const kinds = appliedKinds();
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.at(-1)).toBe('InferenceService');
    expect(kinds.indexOf('ClusterServingRuntime')).toBeLessThan(kinds.indexOf('InferenceService'));

    // The loader copied the repository into one content-addressed directory and reported its name; the
    // InferenceService was applied after that, pointing at it.
    const [version] = versionsOnVolume();
    expect(versionsOnVolume()).toEqual([expect.stringMatching(/^models-[0-9a-f]{16}$/)]);
    expect(fs.readFileSync(path.join(modelVolume, version!, 'centernet-coco/1/model.onnx'), 'utf8')).toBe(
      'onnx first',
    );
    expect(result.modelVersions.get('detector')).toBe(version);
    expect(lines).toContain(`model    Job detection/model-repository-loader published ${version}`);
    const isvcApply = api.requests.findIndex(
      (request) => request.method === 'PATCH' && (request.body as StoredObject).kind === 'InferenceService',
    );
    const messageRead = api.requests.findIndex(
      (request) =>
        request.path === '/api/v1/namespaces/detection/pods' &&
        request.query.get('labelSelector')?.startsWith('batch.kubernetes.io/controller-uid='),
    );
    expect(messageRead).toBeGreaterThan(-1);
    expect(messageRead).toBeLessThan(isvcApply);
    const sentIsvc = api.requests[isvcApply]!.body as InferenceService;
    expect(sentIsvc.spec.predictor.model.storageUri).toBe(`pvc://model-repository/${version}`);
    expect(predictorOf(liveIsvc()).annotations?.[MODEL_VERSION_ANNOTATION]).toBe(version);

    // Everything else is the rendered object, field for field (nothing dropped by client-side serialisation).
    const rendered = localObjects.find((object) => object.kind === 'Deployment')!;
    const sent = applies().find((request) => (request.body as StoredObject).kind === 'Deployment')!.body;
    expect(sent).toEqual(rendered);
    expect(
      applies().find((request) => (request.body as StoredObject).kind === 'ClusterServingRuntime')!.path,
    ).toBe('/apis/serving.kserve.io/v1alpha1/clusterservingruntimes/detection-onnx');
  });

  test('re-runs the model loader Job on the next deploy: the API refuses to change a Job’s pod template', async () => {
    controllers();
    await deploy(cluster(), localObjects, quiet);
    const loader = structuredClone(
      localObjects.find((object) => object.metadata.name === 'model-repository-loader')!,
    );
    (loader.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
      .containers[0]!.image = 'kind.local/detection-model-server:0.1.0-new';
    const rejected = cluster().apply(loader);
    await expect(rejected).rejects.toBeInstanceOf(ApiRejectedError);
    await expect(rejected).rejects.toThrow(/422 Invalid .*spec\.template: Invalid value: field is immutable/);

    const before = api.requests.length;
    const result = await deploy(cluster(), localObjects, quiet);
    const second = api.requests.slice(before);
    const deleteIndex = second.findIndex((request) => request.method === 'DELETE');
    expect(second[deleteIndex]?.path).toBe(
      '/apis/batch/v1/namespaces/detection/jobs/model-repository-loader',
    );
    expect(second[deleteIndex]?.query.get('propagationPolicy')).toBe('Foreground');
    const jobApply = second.findIndex(
      (request) => request.method === 'PATCH' && (request.body as StoredObject).kind === 'Job',
    );
    expect(jobApply).toBeGreaterThan(deleteIndex);
    // The tool waited until the Job (deleted in the foreground, a moment later) was gone.
    const gone = second.findIndex(
      (request, index) =>
        index > deleteIndex &&
        request.method === 'GET' &&
        request.path === '/apis/batch/v1/namespaces/detection/jobs/model-repository-loader',
    );
    expect(gone).toBeGreaterThan(deleteIndex);
    expect(result.recreatedJobs).toEqual(['Job detection/model-repository-loader']);
  });

  test('model versions are immutable: the same content is never copied again, new content gets its own directory and the InferenceService moves to it', async () => {
    controllers();
    const first = await deploy(cluster(), localObjects, quiet);
    const firstVersion = first.modelVersions.get('detector')!;
    const copied = fs.statSync(path.join(modelVolume, firstVersion, 'centernet-coco/config.json'));

    const again = await deploy(cluster(), localObjects, quiet);
    expect(again.modelVersions.get('detector')).toBe(firstVersion);
    expect(versionsOnVolume()).toEqual([firstVersion]);
    expect(fs.statSync(path.join(modelVolume, firstVersion, 'centernet-coco/config.json')).ino).toBe(
      copied.ino,
    );

    writeModels('second');
    const changed = await deploy(cluster(), localObjects, quiet);
    const secondVersion = changed.modelVersions.get('detector')!;
    expect(secondVersion).not.toBe(firstVersion);
    expect(versionsOnVolume()).toEqual([firstVersion, secondVersion].sort());
    // The version a running predictor may still mount is untouched.
    expect(fs.readFileSync(path.join(modelVolume, firstVersion, 'centernet-coco/1/model.onnx'), 'utf8')).toBe(
      'onnx first',
    );
    expect(predictorOf(liveIsvc()).model.storageUri).toBe(`pvc://model-repository/${secondVersion}`);
  });

  test('a new model-server image makes a new revision: deploys with different tags differ in the predictor spec, and --wait waits for the new revision instead of the old Ready', async () => {
    const firstObjects = withModelServerTag('0.1.0-aaaaaaaaaaaa');
    const secondObjects = withModelServerTag('0.1.0-bbbbbbbbbbbb');
    const predictor = (objects: KubernetesObject[]) =>
      one<InferenceService>(objects, 'InferenceService', 'detector').spec.predictor;
    expect(predictor(firstObjects)).not.toEqual(predictor(secondObjects));
    expect(predictor(secondObjects).annotations).toEqual({
      [RUNTIME_IMAGE_ANNOTATION]: 'kind.local/detection-model-server:0.1.0-bbbbbbbbbbbb',
    });

    controllers(20);
    await deploy(cluster(), firstObjects, { ...quiet, wait: true });
    expect(liveIsvc().metadata.generation).toBe(1);

    const lines: string[] = [];
    await deploy(cluster(), secondObjects, { ...quiet, wait: true, log: (line) => lines.push(line) });
    expect(liveIsvc().metadata.generation).toBe(2);
    // Right after the apply the InferenceService still says Ready, for the old revision: not taken for the new one.
    expect(lines).toContain(
      'waiting  InferenceService detection/detector: no new revision yet (latest is still detector-predictor-00001)',
    );
    expect(lines).toContain(
      'ready    InferenceService detection/detector (revision detector-predictor-00002)',
    );
    expect(predictorOf(liveIsvc()).annotations?.[RUNTIME_IMAGE_ANNOTATION]).toBe(
      'kind.local/detection-model-server:0.1.0-bbbbbbbbbbbb',
    );

    // Nothing changed: same generation, no new revision expected, and the deploy does not wait for one.
    const unchanged: string[] = [];
    await deploy(cluster(), secondObjects, { ...quiet, wait: true, log: (line) => unchanged.push(line) });
    expect(liveIsvc().metadata.generation).toBe(2);
    expect(unchanged).toContain(
      'ready    InferenceService detection/detector (revision detector-predictor-00002)',
    );
  });

  test('--wait collects the model versions nothing mounts once the new revision is Ready, and keeps one an old pod still mounts', async () => {
    controllers(20);
    const first = await deploy(cluster(), localObjects, { ...quiet, wait: true });
    const firstVersion = first.modelVersions.get('detector')!;
    expect(first.collections.get('detector')).toBe(`kept: ${firstVersion}; removed: none`);

    writeModels('second');
    let isvcWhenCollected: StoredObject | undefined;
    api.intercept = (request) => {
      if (request.method === 'PATCH' && request.path.endsWith('/jobs/model-repository-collector'))
        isvcWhenCollected = structuredClone(liveIsvc());
      return undefined;
    };
    const second = await deploy(cluster(), localObjects, { ...quiet, wait: true });
    const secondVersion = second.modelVersions.get('detector')!;
    // Only once the new revision served: the old revision's pod (draining) still mounts the first version.
    const statusWhenCollected = isvcWhenCollected?.status as
      | { components: { predictor: { latestReadyRevision: string } } }
      | undefined;
    expect(statusWhenCollected?.components.predictor.latestReadyRevision).toBe('detector-predictor-00002');
    expect(second.collections.get('detector')).toBe(
      `kept: ${[firstVersion, secondVersion].sort().join(' ')}; removed: none`,
    );
    expect(versionsOnVolume()).toEqual([firstVersion, secondVersion].sort());
    const collector = api.get('batch/v1', 'Job', 'detection', 'model-repository-collector')!;
    expect(JSON.stringify(collector.spec)).toContain(
      `{"name":"KEEP_MODEL_VERSIONS","value":"${[firstVersion, secondVersion].sort().join(' ')}"}`,
    );

    // Once the old pod is gone, the next deploy collects its version, a copy that was interrupted and the
    // unversioned directory of earlier releases.
    for (
      let waited = 0;
      api.get('v1', 'Pod', 'detection', 'detector-predictor-00001-deployment-7d9f8');
      waited += 20
    ) {
      if (waited > 5_000) throw new Error('the old revision pod never went');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    fs.mkdirSync(path.join(modelVolume, `.partial-${secondVersion}-123`));
    fs.mkdirSync(path.join(modelVolume, 'models'));
    const third = await deploy(cluster(), localObjects, { ...quiet, wait: true });
    expect(third.collections.get('detector')).toBe(
      `kept: ${secondVersion}; removed: models ${firstVersion} .partial-${secondVersion}-123`,
    );
    expect(versionsOnVolume()).toEqual([secondVersion]);
  });

  test('never applies the InferenceService when the loader fails, and says why', async () => {
    simulateControllers(api, { stepMs: 10, runJob: () => ({ exitCode: 1 }) });
    await expect(deploy(cluster(), localObjects, { ...quiet, wait: true })).rejects.toThrow(
      'Job detection/model-repository-loader failed: Job has reached the specified backoff limit',
    );
    expect(appliedKinds()).not.toContain('InferenceService');
  });

  test('the loader refuses a repository without the default model, and a copy that differs from the source', async () => {
    const loader = localObjects.find((object) => object.metadata.name === 'model-repository-loader')!;
    fs.rmSync(path.join(modelSource, 'centernet-coco/config.json'));
    const missing = await runJobScript(loader, { MODEL_SOURCE: modelSource, MODEL_VOLUME: modelVolume });
    expect(missing.code).not.toBe(0);
    expect(missing.message).toBe('');
    expect(versionsOnVolume()).toEqual([]);

    writeModels('first');
    // A volume that cannot hold the copy: the version never appears half-written.
    const full = path.join(workDir, 'not-a-directory');
    fs.writeFileSync(full, '');
    const failed = await runJobScript(loader, { MODEL_SOURCE: modelSource, MODEL_VOLUME: full });
    expect(failed.code).not.toBe(0);
    expect(failed.message).toBe('');
  });

  test('the collector deletes nothing when it is not told what to keep', async () => {
    const collector = localObjects.find((object) => object.metadata.name === 'model-repository-collector')!;
    fs.mkdirSync(path.join(modelVolume, 'models-0123456789abcdef'));
    const refused = await runJobScript(collector, { MODEL_VOLUME: modelVolume, KEEP_MODEL_VERSIONS: ' ' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('KEEP_MODEL_VERSIONS is empty: refusing to delete anything');
    expect(versionsOnVolume()).toEqual(['models-0123456789abcdef']);
  });

  test('server-side apply by field manager: fields other managers set survive a redeploy, fields dropped from the overlay go, and the deploy tool takes over conflicting fields', async () => {
    controllers();
    await deploy(cluster(), localObjects, quiet);
    const backend = api.get('apps/v1', 'Deployment', 'detection', 'backend')!;
    const reference = FakeKubeApi.referenceOf(backend);

    // Another applier may not take a field the deploy tool owns without forcing it: 409, as the API server.
    const conflict = await fetch(
      `${api.url}/apis/apps/v1/namespaces/detection/deployments/backend?fieldManager=someone-else`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml', authorization: 'Bearer test-token' },
        body: JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'backend' },
          spec: { replicas: 2 },
        }),
      },
    );
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { message: string }).message).toBe(
      'Apply failed with 1 conflict: conflict with "detection-deploy": .spec.replicas',
    );

    api.update('kubectl-annotate', reference, (object) => {
      object.metadata.annotations = { ...object.metadata.annotations, 'team.example/owner': 'ml-platform' };
    });
    api.update('kubectl-scale', reference, (object) => {
      (object.spec as { replicas: number }).replicas = 3;
    });
    const objects = structuredClone(localObjects);
    const rendered = objects.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'backend',
    )!;
    delete (rendered.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit;
    await deploy(cluster(), objects, quiet);

    const live = api.get('apps/v1', 'Deployment', 'detection', 'backend')!;
    expect(live.metadata.annotations?.['team.example/owner']).toBe('ml-platform');
    expect((live.spec as { replicas: number }).replicas).toBe(1);
    expect(api.managersOf(live, 'spec.replicas')).toEqual(['detection-deploy']);
    expect((live.spec as { revisionHistoryLimit?: number }).revisionHistoryLimit).toBeUndefined();
    expect(live.metadata.generation).toBeGreaterThan(backend.metadata.generation!);
  });

  test('refuses to apply anything when the cluster lacks the KServe CRDs, and names them', async () => {
    await api.stop();
    await startApi({
      token: 'test-token',
      resourceTypes: standardResourceTypes.filter((type) => type.group !== 'serving.kserve.io'),
    });

    const failure = deploy(cluster(), localObjects, quiet);
    await expect(failure).rejects.toBeInstanceOf(MissingApiError);
    await expect(failure).rejects.toThrow(
      /InferenceService \(serving\.kserve\.io\/v1beta1\).*install KServe/,
    );
    await expect(failure).rejects.toThrow(/ClusterServingRuntime \(serving\.kserve\.io\/v1alpha1\)/);
    expect(applies()).toHaveLength(0);
  });

  test('retries while an admission webhook has no endpoints yet, then succeeds', async () => {
    controllers();
    let refusals = 2;
    api.intercept = (request) => {
      if (
        request.method === 'PATCH' &&
        (request.body as StoredObject).kind === 'InferenceService' &&
        refusals > 0
      ) {
        refusals -= 1;
        return {
          status: 500,
          reason: 'InternalError',
          message:
            'Internal error occurred: failed calling webhook "inferenceservice.kserve-webhook-server.defaulter": failed to call webhook: Post "https://kserve-webhook-server-service.kserve.svc:443/mutate-serving-kserve-io-v1beta1-inferenceservice?timeout=10s": no endpoints available for service "kserve-webhook-server-service"',
        };
      }
      return undefined;
    };
    await deploy(cluster(), localObjects, quiet);
    expect(appliedKinds().filter((kind) => kind === 'InferenceService')).toHaveLength(3);
    expect(refusals).toBe(0);
  });

  test('stops at a Secret the overlay expects to exist out of band, before applying anything', async () => {
    const objects = await renderOverlay('prod');
    const failure = deploy(cluster(), objects, quiet);
    await expect(failure).rejects.toThrow(
      /^missing Secret .*detection\/backend-secrets \(used by Deployment backend\)/,
    );
    await expect(failure).rejects.toThrow(
      /detection\/model-storage-s3 \(used by ServiceAccount model-server\)/,
    );
    await expect(failure).rejects.toThrow(/detection\/detection-postgres-app \(used by Deployment backend\)/);
    expect(applies()).toHaveLength(0);

    api.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'backend-secrets', namespace: 'detection' },
    });
    api.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'model-storage-s3', namespace: 'detection' },
    });
    api.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'detection-postgres-app', namespace: 'detection' },
    });
    const result = await deploy(cluster(), objects, quiet);
    expect(result.applied).toHaveLength(objects.length);
    expect(result.modelVersions.size).toBe(0);
  });

  test('--wait follows Jobs, Deployments and the InferenceService until ready', async () => {
    controllers();
    const lines: string[] = [];
    await deploy(cluster(), localObjects, { ...quiet, wait: true, log: (line) => lines.push(line) });
    expect(lines).toContain('ready    Job detection/model-repository-loader');
    expect(lines).toContain('ready    Deployment detection/backend');
    expect(lines).toContain(
      'ready    InferenceService detection/detector (revision detector-predictor-00001)',
    );
    expect(lines.at(-1)).toMatch(
      /^model {4}Job detection\/model-repository-collector: kept: models-[0-9a-f]{16}; removed: none$/,
    );
  });
});

describe('status', () => {
  test('prints the URLs that work (in the mesh: the callers the policy admits; from the host: the gateway), the revision inputs and zero replicas for a scaled-to-zero predictor', async () => {
    controllers();
    const objects = withModelServerTag('0.1.0-cccccccccccc');
    const { modelVersions } = await deploy(cluster(), objects, { ...quiet, wait: true });
    const revision = api.get('apps/v1', 'Deployment', 'detection', 'detector-predictor-00001-deployment')!;
    api.put({ ...revision, spec: { replicas: 0 }, status: { replicas: 0 } });

    const report = await overlayStatus(cluster(), objects, { gatewayUrl: 'http://127.0.0.1:8088' });
    const detector = report.inferenceServices[0]!;
    expect(detector).toMatchObject({
      name: 'detector',
      namespace: 'detection',
      ready: true,
      meshUrl: 'http://detector-predictor.detection.svc.cluster.local',
      publicUrl: 'http://127.0.0.1:8088/',
      kserveUrl: 'http://detector.detection.svc.cluster.local',
      latestReadyRevision: 'detector-predictor-00001',
      runtimeImage: 'kind.local/detection-model-server:0.1.0-cccccccccccc',
      modelVersion: modelVersions.get('detector'),
      replicas: { desired: 0, ready: 0 },
      scaledToZero: true,
    });
    // The printout and the policy agree: the mesh URL is the one the backend calls, and the callers are the
    // principals the predictor's AuthorizationPolicy admits.
    const config = one<ConfigMap>(objects, 'ConfigMap').data!;
    expect(new URL(config.MODEL_SERVER_URL!).origin).toBe(detector.meshUrl);
    const principals = one<AuthorizationPolicy>(objects, 'AuthorizationPolicy', 'detector-predictor')
      .spec.rules.flatMap((rule) => rule.from ?? [])
      .flatMap(({ source }) => source.principals ?? [])
      .sort();
    expect(detector.admittedCallers).toEqual(principals);
    expect(principals).toEqual([
      'cluster.local/ns/detection/sa/backend',
      'cluster.local/ns/knative-serving/sa/activator',
    ]);
    const lines = formatStatus(report);
    expect(lines).toContain(
      '  in the mesh:   http://detector-predictor.detection.svc.cluster.local/v2/models/{model}/infer',
    );
    expect(lines).toContain(`                 admitted callers: ${principals.join(', ')}`);
    expect(lines).toContain(
      '  from the host: http://127.0.0.1:8088/ (the backend through the Istio gateway: POST /detect, /images, /models); the predictor itself is cluster-local',
    );
    expect(lines.some((line) => line.startsWith('  url:'))).toBe(false);
    expect(lines).toContain('  replicas:      0 (scaled to zero; the next request starts a pod)');
    const listed = api.requests
      .filter((request) => request.path === '/apis/apps/v1/namespaces/detection/deployments')
      .at(-1);
    expect(listed?.query.get('labelSelector')).toBe('serving.knative.dev/revision=detector-predictor-00001');

    api.put({ ...revision, spec: { replicas: 1 }, status: { replicas: 1, readyReplicas: 1 } });
    const woken = await overlayStatus(cluster(), objects);
    expect(woken.inferenceServices[0]).toMatchObject({
      replicas: { desired: 1, ready: 1 },
      scaledToZero: false,
    });
    expect(formatStatus(woken)).toContain('  replicas:      1/1 ready');
  });

  test('says when nothing is deployed', async () => {
    const report = await overlayStatus(cluster(), localObjects);
    expect(report.inferenceServices[0]).toMatchObject({
      found: false,
      ready: false,
      replicas: { desired: 0, ready: 0 },
    });
    expect(formatStatus(report)).toContain('InferenceService detection/detector: not deployed');
  });
});

describe('delete', () => {
  test('deletes in reverse order, keeps the PVCs and the namespace unless asked, and tolerates what is gone', async () => {
    controllers();
    await deploy(cluster(), localObjects, { ...quiet, wait: true });
    const kept = await remove(cluster(), localObjects, { purgeData: false, log: () => undefined });
    expect(kept.kept.sort()).toEqual([
      'Namespace detection',
      'PersistentVolumeClaim detection/backend-data',
      'PersistentVolumeClaim detection/model-repository',
    ]);
    const deletes = api.requests
      .filter((request) => request.method === 'DELETE')
      .map((request) => request.path);
    expect(deletes[0]).toBe(
      '/apis/serving.kserve.io/v1beta1/namespaces/detection/inferenceservices/detector',
    );
    expect(api.get('v1', 'PersistentVolumeClaim', 'detection', 'backend-data')).toBeDefined();
    expect(api.get('apps/v1', 'Deployment', 'detection', 'backend')).toBeUndefined();

    const purged = await remove(cluster(), localObjects, { purgeData: true, log: () => undefined });
    expect(purged.deleted.sort()).toEqual(kept.kept.sort());
    expect(purged.absent).toHaveLength(localObjects.length - kept.kept.length);
    // The revision's Deployment and pods belong to KServe/Knative, which delete them with the InferenceService.
    // A Background delete leaves the Job's pod to the garbage collector, which removes it a moment later.
    await vi.waitFor(() =>
      expect(api.all().filter((object) => !object.metadata.name.startsWith('detector-predictor-'))).toEqual(
        [],
      ),
    );
  });
});

describe('command line', () => {
  test('render: two model-server tags give two predictor specs (the image is in the predictor’s annotations)', async () => {
    const rendered = async (tag: string) => {
      const { code, stdout } = await cli(
        'render',
        '--overlay',
        'local',
        '--image',
        `kind.local/detection-model-server=kind.local/detection-model-server:${tag}`,
      );
      expect(code).toBe(0);
      const objects = (await import('../src/manifests/overlays.js')).parseManifests(stdout, 'render');
      return one<InferenceService>(objects, 'InferenceService', 'detector').spec.predictor;
    };
    const [first, second] = await Promise.all([
      rendered('0.1.0-111111111111'),
      rendered('0.1.0-222222222222'),
    ]);
    expect(first).not.toEqual(second);
    expect(first.annotations?.[RUNTIME_IMAGE_ANNOTATION]).toBe(
      'kind.local/detection-model-server:0.1.0-111111111111',
    );
    expect(second.annotations?.[RUNTIME_IMAGE_ANNOTATION]).toBe(
      'kind.local/detection-model-server:0.1.0-222222222222',
    );
  });

  test('deploy --image replaces the tag everywhere the image is used, publishes the model version and exits 0', async () => {
    controllers();
    const tag = 'kind.local/detection-model-server:0.1.0-3f2a9c1';
    const { code, stdout } = await cli(
      'deploy',
      '--overlay',
      'local',
      '--image',
      `kind.local/detection-model-server=${tag}`,
    );
    expect(code).toBe(0);
    const [version] = versionsOnVolume();
    expect(stdout).toContain(`deployed ${localObjects.length - 1} objects; detector serves ${version}`);
    const images = (kind: string, name: string) =>
      JSON.stringify(api.all().find((object) => object.kind === kind && object.metadata.name === name));
    expect(images('ClusterServingRuntime', 'detection-onnx')).toContain(`"image":"${tag}"`);
    expect(images('Job', 'model-repository-loader')).toContain(`"image":"${tag}"`);
    expect(images('InferenceService', 'detector')).toContain(`"${RUNTIME_IMAGE_ANNOTATION}":"${tag}"`);
    expect(images('Deployment', 'backend')).toContain('"image":"kind.local/detection-backend:0.1.0"');
  });

  test('rejects a :latest override before contacting the cluster', async () => {
    const { code, stderr } = await cli(
      'deploy',
      '--overlay',
      'local',
      '--image',
      'kind.local/detection-backend=kind.local/detection-backend:latest',
    );
    expect(code).toBe(1);
    expect(stderr).toContain('must name a tag other than latest');
    expect(api.requests).toHaveLength(0);
  });

  test('names the API server it cannot reach', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    fs.writeFileSync(kubeconfig, kubeconfigFor(`http://127.0.0.1:${closed}`));
    const { code, stderr } = await cli('status', '--overlay', 'local');
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach the Kubernetes API at http://127.0.0.1:${closed} (ECONNREFUSED)`);
  });

  test('explains an RBAC denial with the server message', async () => {
    api.intercept = (request) =>
      request.method === 'PATCH' && request.path.includes('/deployments/')
        ? {
            status: 403,
            reason: 'Forbidden',
            message:
              'deployments.apps "backend" is forbidden: User "developer" cannot patch resource "deployments" in API group "apps" in the namespace "detection"',
          }
        : undefined;
    const { code, stderr } = await cli('deploy', '--overlay', 'local');
    expect(code).toBe(1);
    expect(stderr).toContain(
      'apply Deployment detection/backend: forbidden by RBAC for the user of context "fake"',
    );
    expect(stderr).toContain('User "developer" cannot patch resource "deployments"');
  });

  test('reports rejected credentials', async () => {
    fs.writeFileSync(kubeconfig, kubeconfigFor(api.url, 'wrong-token'));
    const { code, stderr } = await cli('status', '--overlay', 'local');
    expect(code).toBe(1);
    expect(stderr).toContain('rejected the credentials of context "fake" (401 Unauthorized)');
  });

  test('status --json --gateway-url prints the report', async () => {
    controllers();
    await deploy(cluster(), localObjects, { ...quiet, wait: true });
    const { code, stdout } = await cli(
      'status',
      '--overlay',
      'local',
      '--json',
      '--gateway-url',
      'http://127.0.0.1:8088/',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      inferenceServices: Array<{
        meshUrl: string;
        publicUrl: string;
        replicas: unknown;
        modelVersion: string;
      }>;
    };
    expect(report.inferenceServices[0]).toMatchObject({
      meshUrl: 'http://detector-predictor.detection.svc.cluster.local',
      publicUrl: 'http://127.0.0.1:8088/',
      replicas: { desired: 1, ready: 1 },
      modelVersion: versionsOnVolume()[0],
    });
  });

  test('usage errors exit 2', async () => {
    expect((await cli('deploy')).code).toBe(2);
    expect((await cli('launch', '--overlay', 'local')).code).toBe(2);
  });
});
