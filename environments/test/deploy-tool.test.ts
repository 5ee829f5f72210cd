/**
 * The deploy tool against a stand-in for the Kubernetes API server (test/support/fake-kube-api.ts) on
 * 127.0.0.1: no cluster can run here. The overlays are rendered for real with `kubectl kustomize`; the
 * CLI tests run the tool as a separate process, exactly as run_all_k8s.sh does.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Cluster, connectCluster } from '../src/cluster/cluster.js';
import { MissingApiError } from '../src/cluster/errors.js';
import { deploy } from '../src/commands/deploy.js';
import { remove } from '../src/commands/remove.js';
import { formatStatus, overlayStatus } from '../src/commands/status.js';
import type { KubernetesObject } from '../src/manifests/kubernetes-object.js';
import { environmentsDir, renderOverlay } from '../src/manifests/overlays.js';
import {
  FakeKubeApi,
  kubeconfigFor,
  type StoredObject,
  standardResourceTypes,
} from './support/fake-kube-api.js';

const run = promisify(execFile);
const tsx = path.resolve(environmentsDir, '../node_modules/.bin/tsx');

let api: FakeKubeApi;
let workDir: string;
let kubeconfig: string;
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

beforeEach(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'detection-k8s-'));
  kubeconfig = path.join(workDir, 'kubeconfig');
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
const quiet = { wait: false, timeoutMs: 10_000, pollMs: 20, log: () => undefined };

/** Simulates the controllers: Deployments roll out, Jobs complete, InferenceServices become Ready and scale to zero. */
function simulateControllers(target: FakeKubeApi): void {
  target.onApply = (object, store) => {
    if (object.kind === 'Deployment') {
      const replicas = (object.spec as { replicas?: number }).replicas ?? 1;
      store.put({
        ...object,
        metadata: { ...object.metadata, generation: 1 },
        status: {
          observedGeneration: 1,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        },
      });
    }
    if (object.kind === 'Job') store.put({ ...object, status: { succeeded: 1 } });
    if (object.kind === 'InferenceService') {
      const { name, namespace } = object.metadata;
      store.put({
        ...object,
        status: {
          url: `http://${name}.${namespace}.svc.cluster.local`,
          address: { url: `http://${name}.${namespace}.svc.cluster.local` },
          components: { predictor: { latestReadyRevision: `${name}-predictor-00001` } },
          conditions: [
            { type: 'IngressReady', status: 'True' },
            { type: 'PredictorReady', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        },
      });
      // The revision's Deployment, as Knative creates it, already scaled to zero.
      store.put({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: `${name}-predictor-00001-deployment`,
          namespace,
          labels: {
            'serving.kserve.io/inferenceservice': name,
            'serving.knative.dev/revision': `${name}-predictor-00001`,
          },
        },
        spec: { replicas: 0 },
        status: { replicas: 0 },
      });
    }
  };
}

describe('deploy', () => {
  test('applies every object of the local overlay with strict server-side apply, namespace first and InferenceService last', async () => {
    const result = await deploy(cluster(), localObjects, quiet);

    expect(result.applied).toHaveLength(localObjects.length);
    expect(applies()).toHaveLength(localObjects.length);
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
    expect(kinds.indexOf('Job')).toBeLessThan(kinds.indexOf('InferenceService'));
    // The body is the rendered object, field for field (nothing dropped by client-side serialisation).
    const rendered = localObjects.find((object) => object.kind === 'Deployment')!;
    const sent = applies().find((request) => (request.body as StoredObject).kind === 'Deployment')!.body;
    expect(sent).toEqual(rendered);
    // The cluster-scoped runtime goes to the cluster-scoped path.
    expect(
      applies().find((request) => (request.body as StoredObject).kind === 'ClusterServingRuntime')!.path,
    ).toBe('/apis/serving.kserve.io/v1alpha1/clusterservingruntimes/detection-onnx');
    expect(api.get('serving.kserve.io/v1beta1', 'InferenceService', 'detection', 'detector')).toBeDefined();
  });

  test('re-runs the model loader Job on the next deploy (its pod template is immutable)', async () => {
    await deploy(cluster(), localObjects, quiet);
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
    expect(result.recreatedJobs).toEqual(['Job detection/model-repository-loader']);
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
  });

  test('--wait follows Jobs, Deployments and the InferenceService until ready', async () => {
    simulateControllers(api);
    const lines: string[] = [];
    await deploy(cluster(), localObjects, {
      ...quiet,
      wait: true,
      log: (line) => lines.push(line),
    });
    expect(lines).toContain('ready    Job detection/model-repository-loader');
    expect(lines).toContain('ready    Deployment detection/backend');
    expect(lines.at(-1)).toBe('ready    InferenceService detection/detector');
  });

  test('--wait reports a failed Job with its message', async () => {
    api.onApply = (object, store) => {
      if (object.kind === 'Job') {
        store.put({
          ...object,
          status: {
            failed: 4,
            conditions: [
              {
                type: 'Failed',
                status: 'True',
                reason: 'BackoffLimitExceeded',
                message: 'Job has reached the specified backoff limit',
              },
            ],
          },
        });
      }
    };
    await expect(deploy(cluster(), localObjects, { ...quiet, wait: true })).rejects.toThrow(
      'Job detection/model-repository-loader failed: Job has reached the specified backoff limit',
    );
  });
});

describe('status', () => {
  test('reports conditions, URL and zero replicas for a scaled-to-zero predictor, then the running pod', async () => {
    simulateControllers(api);
    await deploy(cluster(), localObjects, quiet);

    const report = await overlayStatus(cluster(), localObjects);
    const detector = report.inferenceServices[0]!;
    expect(detector).toMatchObject({
      name: 'detector',
      namespace: 'detection',
      ready: true,
      url: 'http://detector.detection.svc.cluster.local',
      latestReadyRevision: 'detector-predictor-00001',
      replicas: { desired: 0, ready: 0 },
      scaledToZero: true,
    });
    expect(formatStatus(report)).toContain('  replicas:   0 (scaled to zero; the next request starts a pod)');
    expect(report.workloads).toContainEqual({
      object: 'Deployment detection/backend',
      found: true,
      state: 'ready',
      detail: undefined,
    });
    const listed = api.requests.find(
      (request) => request.path === '/apis/apps/v1/namespaces/detection/deployments',
    );
    expect(listed?.query.get('labelSelector')).toBe('serving.knative.dev/revision=detector-predictor-00001');

    const revision = api.get('apps/v1', 'Deployment', 'detection', 'detector-predictor-00001-deployment')!;
    api.put({ ...revision, spec: { replicas: 1 }, status: { replicas: 1, readyReplicas: 1 } });
    const woken = await overlayStatus(cluster(), localObjects);
    expect(woken.inferenceServices[0]).toMatchObject({
      replicas: { desired: 1, ready: 1 },
      scaledToZero: false,
    });
    expect(formatStatus(woken)).toContain('  replicas:   1/1 ready');
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
    await deploy(cluster(), localObjects, quiet);
    api.intercept = () => undefined;

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
    expect(api.all()).toHaveLength(0);
  });
});

describe('command line', () => {
  test('deploy --image replaces the tag everywhere the image is used and exits 0', async () => {
    const tag = 'kind.local/detection-model-server:0.1.0-3f2a9c1';
    const { code, stdout } = await cli(
      'deploy',
      '--overlay',
      'local',
      '--image',
      `kind.local/detection-model-server=${tag}`,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/deployed 17 objects/);
    const images = (kind: string, name: string) =>
      JSON.stringify(api.all().find((object) => object.kind === kind && object.metadata.name === name));
    expect(images('ClusterServingRuntime', 'detection-onnx')).toContain(`"image":"${tag}"`);
    expect(images('Job', 'model-repository-loader')).toContain(`"image":"${tag}"`);
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

  test('status --json prints the report', async () => {
    simulateControllers(api);
    await deploy(cluster(), localObjects, quiet);
    const { code, stdout } = await cli('status', '--overlay', 'local', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      inferenceServices: Array<{ scaledToZero: boolean; replicas: unknown }>;
    };
    expect(report.inferenceServices[0]).toMatchObject({
      scaledToZero: true,
      replicas: { desired: 0, ready: 0 },
    });
  });

  test('usage errors exit 2', async () => {
    expect((await cli('deploy')).code).toBe(2);
    expect((await cli('launch', '--overlay', 'local')).code).toBe(2);
  });
});
