/**
 * The Kubernetes target under the deployment manager, against the project's fake Kubernetes API
 * (environments/test/support): server-side apply by field manager, 409 conflicts, 404 for a missing namespace,
 * InferenceService conditions moving Unknown → False → True, and a revision that fails. Deploy → canary →
 * promote → roll back → delete, the automatic fallback, and 503 with nothing written when the API is
 * unreachable or forbids the backend.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { simulateControllers } from '../../../../environments/test/support/fake-controllers.js';
import {
  FakeKubeApi,
  kubeconfigFor,
  type StoredObject,
} from '../../../../environments/test/support/fake-kube-api.js';
import { openTestDatabase } from '../../test/support/database.js';
import { closedPort, repoRoot } from '../../test/support/processes.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import type { Database } from '../db/database.js';
import { ApiError } from '../errors.js';
import { DeploymentManager } from './deployment-manager.js';
import { FIELD_MANAGER, kubernetesCalls } from './kubernetes-calls.js';
import { KubernetesDeploymentTarget } from './kubernetes-target.js';

const token = 'backend-service-account-token';
const namespace = 'models';
const brokenVersion = '3';
const stalledVersion = '4';

function targetFor(server: string, inNamespace = namespace, template?: string) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigFor(server, token));
  return new KubernetesDeploymentTarget({
    kubeConfig,
    namespace: inNamespace,
    runtime: 'detection-onnx',
    storageUri: 'pvc://model-repository',
    models: ['blazeface', 'facemesh'],
    template,
  });
}

describe('Deployments on Kubernetes (fake API)', () => {
  let api: FakeKubeApi;
  let dir: string;
  let database: Database;
  let manager: DeploymentManager;
  const managers: DeploymentManager[] = [];

  const managerFor = (target: KubernetesDeploymentTarget, readyDeadlineMs = 10_000) => {
    const created = new DeploymentManager({
      repository: database.deployments,
      target,
      logger: pino({ level: 'silent' }),
      settings: { readyDeadlineMs, pollIntervalMs: 10 },
    });
    managers.push(created);
    return created;
  };
  const isvc = (name = 'blazeface') =>
    api.get('serving.kserve.io/v1beta1', 'InferenceService', namespace, name) as
      | (StoredObject & {
          spec: { predictor: Record<string, unknown> & { labels: Record<string, string> } };
        })
      | undefined;
  const request = (
    version: string,
    extra: { canaryPercent?: number; minReplicas?: number; maxReplicas?: number } = {},
  ) => ({
    name: 'blazeface',
    version,
    minReplicas: extra.minReplicas ?? 1,
    maxReplicas: extra.maxReplicas ?? 3,
    targetConcurrency: 4,
    canaryPercent: extra.canaryPercent,
  });
  const revisionNames = () =>
    api
      .all()
      .filter((object) => object.kind === 'Revision' && object.metadata.namespace === namespace)
      .map((object) => object.metadata.name);
  /** KServe's traffic in the InferenceService's status, as model versions (the revisions' labels) and shares. */
  const servedTraffic = () =>
    (
      (
        isvc()!.status as {
          components: { predictor: { traffic?: Array<{ revisionName: string; percent: number }> } };
        }
      ).components.predictor.traffic ?? []
    ).map(({ revisionName, percent }) => ({
      version: api.get('serving.knative.dev/v1', 'Revision', namespace, revisionName)!.metadata.labels![
        'detection.backend/model-version'
      ],
      percent,
    }));
  /** Waits for rollouts, then until the deployment's revision serves (a roll back brings up a new one). */
  async function settled(name = 'blazeface') {
    await manager.idle();
    for (;;) {
      const view = await manager.get(name);
      if (view.state !== 'deploying') return view;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  beforeAll(async () => {
    api = new FakeKubeApi({ token, requireNamespaces: true });
    await api.start();
    const versionOf = (service: StoredObject) =>
      (service.spec as { predictor: { labels?: Record<string, string> } }).predictor.labels?.[
        'detection.backend/model-version'
      ];
    simulateControllers(api, {
      stepMs: 15,
      failRevision: (service) =>
        versionOf(service) === brokenVersion
          ? 'failed to load model blazeface version 3: model.onnx is not an ONNX model'
          : undefined,
      stallRevision: (service) => versionOf(service) === stalledVersion,
    });
    api.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    dir = await makeTempDir('backend-kubernetes-target-');
    database = await openTestDatabase('sqlite', dir);
    manager = managerFor(targetFor(api.url));
  });
  afterAll(async () => {
    for (const created of managers) await created.close();
    await api?.stop();
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should deploy one InferenceService by server-side apply, its conditions going Unknown → False → True', async () => {
    const seen: string[] = [];
    const watch = setInterval(() => {
      const ready = (isvc()?.status?.conditions as Array<{ type: string; status: string }> | undefined)?.find(
        (condition) => condition.type === 'Ready',
      )?.status;
      if (ready && seen.at(-1) !== ready) seen.push(ready);
    }, 2);
    const created = await manager.deploy(request('1'));
    expect(created.status).toBe(201);
    const ready = await settled();
    clearInterval(watch);
    expect(seen).toEqual(['Unknown', 'False', 'True']);
    expect(ready).toMatchObject({
      state: 'ready',
      target: 'kubernetes',
      versions: { stable: '1' },
      traffic: [{ version: '1', percent: 100 }],
      replicas: { current: 1, min: 1, max: 3, scaling: 'applies' },
      // KServe's status.url, as the fake API sets it once the InferenceService was ready.
      url: 'http://blazeface.models.svc.cluster.local',
    });
    const stored = isvc()!;
    expect(stored.spec.predictor).toMatchObject({
      minReplicas: 1,
      maxReplicas: 3,
      scaleMetric: 'concurrency',
      scaleTarget: 4,
      labels: { 'detection.backend/model-version': '1', 'detection.backend/managed-by': FIELD_MANAGER },
      model: {
        runtime: 'detection-onnx',
        storageUri: 'pvc://model-repository/blazeface',
        protocolVersion: 'v2',
      },
    });
    expect(stored.spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect(api.managersOf(stored, 'spec.predictor.minReplicas')).toEqual([FIELD_MANAGER]);
    // Detections with model=blazeface go to its own predictor, version 1: the address in the status, not the
    // naming convention (the fake API is told to answer another address to tell the two apart).
    const status = isvc()!.status as { components: { predictor: { address: { url: string } } } };
    expect(status.components.predictor.address.url).toBe(
      'http://blazeface-predictor.models.svc.cluster.local',
    );
    api.setStatus(FakeKubeApi.referenceOf(isvc()!), {
      ...isvc()!.status,
      components: {
        ...status.components,
        predictor: { ...status.components.predictor, address: { url: 'http://blazeface-mesh.models:8012' } },
      },
    });
    expect(await managerFor(targetFor(api.url)).routeFor('blazeface')).toEqual({
      version: '1',
      baseUrl: 'http://blazeface-mesh.models:8012',
    });
    api.setStatus(FakeKubeApi.referenceOf(isvc()!), { ...isvc()!.status, components: status.components });
    expect(await manager.routeFor('blazeface')).toEqual({
      version: '1',
      baseUrl: 'http://blazeface-predictor.models.svc.cluster.local',
    });
    expect(await manager.routeFor('centernet-coco')).toBeUndefined();
    const applies = api.requests.filter((r) => r.method === 'PATCH');
    expect(
      applies.every((r) => r.query.get('fieldManager') === FIELD_MANAGER && r.query.get('force') !== 'true'),
    ).toBe(true);
    expect(applies.every((r) => r.contentType === 'application/apply-patch+yaml')).toBe(true);
  });

  it('Should run a canary with KServe’s canaryTrafficPercent, promote it, then roll back', async () => {
    expect((await manager.deploy(request('2', { canaryPercent: 20 }))).status).toBe(202);
    // While version 2 comes up it has no traffic: canaryTrafficPercent 0.
    await expect.poll(() => isvc()!.spec.predictor.canaryTrafficPercent).toBe(0);
    const canary = await settled();
    expect(canary).toMatchObject({
      state: 'ready',
      versions: { stable: '1', canary: '2' },
      traffic: [
        { version: '1', percent: 80 },
        { version: '2', percent: 20 },
      ],
    });
    expect(isvc()!.spec.predictor).toMatchObject({
      canaryTrafficPercent: 20,
      labels: { 'detection.backend/model-version': '2' },
    });

    await expect.poll(servedTraffic).toEqual([
      { version: '2', percent: 20 },
      { version: '1', percent: 80 },
    ]);

    const promoted = await manager.promote('blazeface');
    expect(promoted.versions).toMatchObject({ stable: '2', previous: '1', canary: null });
    expect(isvc()!.spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect(isvc()!.spec.predictor.labels['detection.backend/model-version']).toBe('2');
    await expect.poll(servedTraffic).toEqual([{ version: '2', percent: 100 }]);

    // Roll back as KServe does it: the template stays on version 2 with canaryTrafficPercent 0, and traffic goes
    // back to the previous rolled-out revision (version 1). No new revision.
    const revisions = revisionNames();
    const rolledBack = await manager.rollback('blazeface');
    expect(rolledBack.versions).toMatchObject({ stable: '1', previous: null });
    expect(isvc()!.spec.predictor).toMatchObject({
      canaryTrafficPercent: 0,
      labels: { 'detection.backend/model-version': '2' },
    });
    await expect.poll(servedTraffic).toEqual([
      { version: '2', percent: 0 },
      { version: '1', percent: 100 },
    ]);
    expect(revisionNames()).toEqual(revisions);
    expect(await settled()).toMatchObject({ state: 'ready', traffic: [{ version: '1', percent: 100 }] });
    expect(await manager.routeFor('blazeface')).toMatchObject({ version: '1' });
  });

  it('Should drop a canary by canaryTrafficPercent 0, and bring a version that is still there back without a revision', async () => {
    const revisions = revisionNames();
    // Version 2's revision is still there (at 0 %): a canary of it reuses it.
    expect((await manager.deploy(request('2', { canaryPercent: 30 }))).status).toBe(202);
    expect(await settled()).toMatchObject({ state: 'ready', versions: { stable: '1', canary: '2' } });
    await expect.poll(servedTraffic).toEqual([
      { version: '2', percent: 30 },
      { version: '1', percent: 70 },
    ]);
    const dropped = await manager.rollback('blazeface');
    expect(dropped.versions).toMatchObject({ stable: '1', canary: null });
    expect(isvc()!.spec.predictor.canaryTrafficPercent).toBe(0);
    await expect.poll(servedTraffic).toEqual([
      { version: '2', percent: 0 },
      { version: '1', percent: 100 },
    ]);
    expect(revisionNames()).toEqual(revisions);
    expect(await settled()).toMatchObject({ state: 'ready', traffic: [{ version: '1', percent: 100 }] });
  });

  it('Should roll back by itself from a revision that fails, saying why', async () => {
    const before = revisionNames();
    expect((await manager.deploy(request(brokenVersion))).status).toBe(202);
    const fallback = await settled();
    expect(fallback).toMatchObject({ state: 'ready', versions: { stable: '1', rolling_out: null } });
    expect(fallback.failure_reason).toBe(
      'version 3 was not deployed: version 3 failed: failed to load model blazeface version 3: model.onnx is not an ONNX model',
    );
    expect(fallback.history?.at(-1)).toMatchObject({ action: 'fallback', version: '1' });
    // The failed version stays in the template at 0 %; traffic never left version 1 (the latest ready revision,
    // version 2's, keeps 0 %): the broken version's revision is the only one added.
    expect(isvc()!.spec.predictor).toMatchObject({
      canaryTrafficPercent: 0,
      labels: { 'detection.backend/model-version': '3' },
    });
    expect(servedTraffic()).toEqual([
      { version: '2', percent: 0 },
      { version: '1', percent: 100 },
    ]);
    expect(revisionNames()).toHaveLength(before.length + 1);
    expect(await settled()).toMatchObject({ state: 'ready', failure_reason: fallback.failure_reason });
  });

  it('Should keep fields of other field managers, and answer 409 (nothing changed) when one owns a field it changes', async () => {
    api.update('kubectl', FakeKubeApi.referenceOf(isvc()!), (object) => {
      object.metadata.annotations = { ...object.metadata.annotations, 'team.example.com/owner': 'vision' };
    });
    await manager.deploy(request('1', { maxReplicas: 4 }));
    expect(isvc()!.metadata.annotations?.['team.example.com/owner']).toBe('vision');
    expect(isvc()!.spec.predictor.maxReplicas).toBe(4);

    const beforeKubectl = isvc()!;
    const changedByKubectl = api.update('kubectl', FakeKubeApi.referenceOf(beforeKubectl), (object) => {
      (object.spec as { predictor: { maxReplicas: number } }).predictor.maxReplicas = 6;
    });
    // KServe reconciles kubectl's change like any other (the fake calls controllers on applies only).
    api.onApply(changedByKubectl, api, beforeKubectl);
    const before = await database.deployments.find('blazeface');
    const conflict = await manager.deploy(request('1', { maxReplicas: 5 })).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ApiError);
    expect((conflict as ApiError).status).toBe(409);
    expect((conflict as ApiError).message).toBe(
      'cannot scale blazeface, nothing was changed: cannot apply the InferenceService blazeface: Apply failed with 1 conflict: conflict with "kubectl": .spec.predictor.maxReplicas',
    );
    expect(await database.deployments.find('blazeface')).toMatchObject({ maxReplicas: before!.maxReplicas });
    expect(isvc()!.spec.predictor.maxReplicas).toBe(6);
  });

  it('Should report scaled to zero when the revision has no replica', async () => {
    expect(await settled()).toMatchObject({ state: 'ready', replicas: { current: 1 } });
    const revision = (isvc()!.status as { components: { predictor: { latestReadyRevision: string } } })
      .components.predictor.latestReadyRevision;
    api.setStatus(
      { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', namespace, name: revision },
      { actualReplicas: 0 },
    );
    expect(await manager.get('blazeface')).toMatchObject({
      state: 'scaled_to_zero',
      replicas: { current: 0 },
    });
  });

  it('Should roll back a version whose revision does not become ready by the deadline', async () => {
    // A deadline of one second (the least DEPLOY_READY_DEADLINE_MS allows).
    const impatient = managerFor(targetFor(api.url), 1_000);
    // maxReplicas 6 as kubectl set it above: the same value is shared ownership, not a conflict.
    expect((await impatient.deploy(request(stalledVersion, { maxReplicas: 6 }))).status).toBe(202);
    await impatient.idle();
    const view = await impatient.get('blazeface');
    expect(view.failure_reason).toBe('version 4 was not deployed: it did not become ready within 1 s');
    expect(view.versions).toMatchObject({ stable: '1', rolling_out: null });
    expect(isvc()!.spec.predictor.labels['detection.backend/model-version']).toBe('1');
    expect(await settled()).toMatchObject({ state: 'ready', traffic: [{ version: '1', percent: 100 }] });
  });

  it('Should delete the InferenceService with the deployment', async () => {
    await manager.remove('blazeface');
    expect(isvc()).toBeUndefined();
    expect(await database.deployments.find('blazeface')).toBeNull();
  });

  it('Should copy the serving settings of the DEPLOY_TEMPLATE InferenceService, and refuse (503, nothing written) without it', async () => {
    const templated = managerFor(targetFor(api.url, namespace, 'detector'));
    const missing = await templated
      .deploy({ ...request('1'), name: 'facemesh' })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({
      status: 503,
      message:
        'cannot check the model: the template InferenceService detector (DEPLOY_TEMPLATE) does not exist in the namespace models',
    });
    expect(api.get('serving.kserve.io/v1beta1', 'InferenceService', namespace, 'facemesh')).toBeUndefined();
    expect(await database.deployments.find('facemesh')).toBeNull();

    const resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } };
    api.put({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: 'detector',
        namespace,
        annotations: {
          'sidecar.istio.io/inject': 'true',
          'autoscaling.knative.dev/target-burst-capacity': '0',
          'traffic.sidecar.istio.io/excludeOutboundPorts': '443',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
        },
      },
      spec: {
        predictor: {
          serviceAccountName: 'model-server',
          timeout: 300,
          containerConcurrency: 8,
          minReplicas: 0,
          annotations: { 'detection.local/runtime-image': 'kind.local/detection-model-server:1' },
          model: { modelFormat: { name: 'onnx' }, runtime: 'detection-onnx', resources },
        },
      },
    });
    expect((await templated.deploy({ ...request('1'), name: 'facemesh' })).status).toBe(201);
    await templated.idle();
    const facemesh = api.get('serving.kserve.io/v1beta1', 'InferenceService', namespace, 'facemesh')!;
    expect(facemesh.metadata.annotations).toEqual({
      'sidecar.istio.io/inject': 'true',
      'autoscaling.knative.dev/target-burst-capacity': '0',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '443',
      'serving.kserve.io/deploymentMode': 'Serverless',
      'detection.backend/traffic': JSON.stringify([{ version: '1', percent: 100 }]),
    });
    const predictor = (facemesh.spec as { predictor: Record<string, unknown> }).predictor;
    expect(predictor).toMatchObject({
      serviceAccountName: 'model-server',
      timeout: 300,
      containerConcurrency: 8,
      minReplicas: 1,
      model: { resources, storageUri: 'pvc://model-repository/facemesh' },
    });
    expect(predictor.annotations).toBeUndefined();
    expect(await templated.get('facemesh')).toMatchObject({ state: 'ready', versions: { stable: '1' } });
    await templated.remove('facemesh');
  });

  it('Should fail a deployment into a namespace that does not exist, saying so', async () => {
    const elsewhere = managerFor(targetFor(api.url, 'no-such-namespace'));
    expect((await elsewhere.deploy({ ...request('1'), name: 'facemesh' })).status).toBe(201);
    await elsewhere.idle();
    expect(await database.deployments.find('facemesh')).toMatchObject({
      phase: 'failed',
      failureReason:
        'version 1 was not deployed: cannot apply the InferenceService facemesh: the namespace no-such-namespace does not exist',
    });
    await database.deployments.remove('facemesh', 2);
  });

  it('Should answer 404 for a model that is not in DEPLOY_MODELS, before any call or write', async () => {
    const calls = api.requests.length;
    const unknown = await manager
      .deploy({ ...request('1'), name: 'centernet-coco' })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({
      status: 404,
      message:
        'unknown model centernet-coco: the model storage pvc://model-repository has blazeface, facemesh (DEPLOY_MODELS)',
    });
    expect(api.requests.length).toBe(calls);
    expect(await database.deployments.find('centernet-coco')).toBeNull();
  });

  it('Should answer 503 with the reason, writing nothing, when the API forbids the backend or cannot be reached', async () => {
    api.intercept = () => ({
      status: 403,
      reason: 'Forbidden',
      message:
        'inferenceservices.serving.kserve.io "blazeface" is forbidden: User "system:serviceaccount:detection:backend" cannot get resource "inferenceservices"',
    });
    const forbidden = await manager.deploy(request('1')).catch((error: unknown) => error);
    api.intercept = () => undefined;
    expect(forbidden).toMatchObject({ status: 503 });
    expect((forbidden as Error).message).toMatch(
      /^cannot check the model: the Kubernetes API refused to read the InferenceService blazeface \(403\): .*cannot get resource "inferenceservices"$/,
    );
    const unreachable = await managerFor(targetFor(`http://127.0.0.1:${await closedPort()}`))
      .deploy(request('1'))
      .catch((error: unknown) => error);
    expect(unreachable).toMatchObject({ status: 503 });
    expect((unreachable as Error).message).toMatch(
      /^cannot check the model: cannot read the InferenceService blazeface: the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ is unreachable$/,
    );
    expect(await database.deployments.list()).toEqual([]);
  });

  it('Should make exactly the calls the backend’s Role grants (environments/components/model-deployments)', async () => {
    const role = parseYaml(
      await fs.readFile(path.join(repoRoot, 'environments/components/model-deployments/role.yaml'), 'utf8'),
    ) as { kind: string; rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
    expect(role.kind).toBe('Role');
    const granted = role.rules.flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${verb} ${resource}.${group}`)),
      ),
    );
    const declared = kubernetesCalls.flatMap((call) =>
      call.verbs.map((verb) => `${verb} ${call.resource}.${call.apiGroup}`),
    );
    expect(granted.sort()).toEqual(declared.sort());

    // Every request the flows above sent, as RBAC names it (discovery documents are public to authenticated users).
    const verbs: Record<string, string> = {
      GET: 'get',
      PATCH: 'patch',
      DELETE: 'delete',
      POST: 'create',
      PUT: 'update',
    };
    const made = new Set(
      api.requests.flatMap((request) => {
        const match = /^\/apis\/([^/]+)\/[^/]+\/namespaces\/[^/]+\/([^/]+)(\/[^/]+)?$/.exec(request.path);
        if (!match) return [];
        const verb = request.method === 'GET' && !match[3] ? 'list' : verbs[request.method];
        return [`${verb} ${match[2]}.${match[1]}`];
      }),
    );
    expect([...made].sort()).toEqual(declared.sort());
    const other = api.requests.filter(
      (request) => !/^\/apis\/[^/]+\/[^/]+(\/namespaces\/[^/]+\/[^/]+(\/[^/]+)?)?$/.test(request.path),
    );
    expect(other).toEqual([]);
  });
});
