/**
 * Video jobs in every overlay, rendered with `kubectl kustomize`: where the workers run (in the API process next
 * to SQLite, or in the video-worker Deployment on the PostgreSQL and S3 the API uses), that the environment each
 * container starts with (the image's ENV, its ConfigMap and Secret, its own env) parses under the backend's own
 * schema into the same database, storage and model server, the scratch space their temporary files need, and
 * the mesh policy around the workers as behaviour. Schema validation of the objects is in manifests.test.ts.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import type { KubernetesObject } from '../src/manifests/kubernetes-object.js';
import { admittedPrincipals } from '../src/manifests/mesh-policy.js';
import { environmentsDir, overlayNames, renderOverlay } from '../src/manifests/overlays.js';
import { backendDockerfile, runtimeEnvironment } from './support/image-environment.js';
import { decide } from './support/istio-authz.js';
import {
  type ConfigMap,
  type Container,
  type Deployment,
  type HorizontalPodAutoscaler,
  mebibytes,
  ofKind,
  one,
  type PodSpec,
  type Secret,
  type Service,
  type ServiceAccount,
  type VirtualService,
} from './support/manifest-types.js';

const repoRoot = path.resolve(environmentsDir, '..');
const overlays = overlayNames();
const rendered = new Map<string, KubernetesObject[]>();
const imageEnvironment = runtimeEnvironment(backendDockerfile());
const workerPrincipal = 'cluster.local/ns/detection/sa/video-worker';
/** Stands in for the value of a key of a Secret created out of band (DATABASE_URL's, in overlays with PostgreSQL). */
const outOfBandDatabaseUrl = 'postgresql://app:secret@detection-postgres-rw:5432/app';

type BackendEnv = Record<string, unknown> & {
  PORT: number;
  VIDEO_WORKERS: number;
  VIDEO_TEMP_DIR: string;
  MAX_VIDEO_BYTES: number;
  MAX_VIDEO_UPLOADS_IN_FLIGHT: number;
  MAX_ANNOTATIONS_IN_FLIGHT: number;
  STORAGE_BACKEND: string;
};
let parseEnv: (env: Record<string, string>) => BackendEnv;
let databaseSettings: (env: BackendEnv) => { dialect: string };

beforeAll(async () => {
  ({ parseEnv, databaseSettings } = (await import(
    pathToFileURL(path.join(repoRoot, 'services/backend/src/env.ts')).href
  )) as { parseEnv: typeof parseEnv; databaseSettings: typeof databaseSettings });
  for (const overlay of overlays) rendered.set(overlay, await renderOverlay(overlay));
});

/**
 * What the backend process in a container sees: the image's ENV, overridden by the ConfigMap and Secret it
 * loads (in order), overridden by its own env. Out-of-band Secret values are stood in for by values of their
 * form, a pod-name fieldRef by the owner's name.
 */
function environmentOf(
  objects: KubernetesObject[],
  owner: string,
  container: Container,
): Record<string, string> {
  const environment: Record<string, string> = { ...imageEnvironment };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef)
      Object.assign(environment, one<ConfigMap>(objects, 'ConfigMap', source.configMapRef.name).data);
    const secret = ofKind<Secret>(objects, 'Secret').find(
      (candidate) => candidate.metadata.name === source.secretRef?.name,
    );
    if (secret) Object.assign(environment, secret.stringData, secret.data);
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) environment[variable.name] = variable.value;
    else if (variable.valueFrom?.secretKeyRef?.key === 'uri')
      environment[variable.name] = outOfBandDatabaseUrl;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name')
      environment[variable.name] = `${owner}-pod`;
    else throw new Error(`${owner}: ${variable.name} comes from a source this test does not model`);
  }
  return environment;
}

const bytesOf = (quantity: unknown) => mebibytes(String(quantity)) * 1024 * 1024;

/** The emptyDir that holds VIDEO_TEMP_DIR, and its size limit in bytes. */
function scratchLimit(spec: PodSpec, container: Container, tempDir: string): number {
  const mount = (container.volumeMounts ?? []).find(
    (candidate) => tempDir === candidate.mountPath || tempDir.startsWith(`${candidate.mountPath}/`),
  );
  expect(mount, `a volume under VIDEO_TEMP_DIR ${tempDir}`).toBeDefined();
  const volume = spec.volumes?.find((candidate) => candidate.name === mount!.name);
  expect(volume?.emptyDir, `${mount!.name} is an emptyDir`).toBeDefined();
  expect(volume!.emptyDir!.sizeLimit, `${mount!.name} has a size limit`).toBeDefined();
  return bytesOf(volume!.emptyDir!.sizeLimit);
}

describe.each(overlays)('overlay %s', (overlay) => {
  const objectsOf = () => rendered.get(overlay)!;
  const api = () => one<Deployment>(objectsOf(), 'Deployment', 'backend');
  const apiContainer = () => api().spec.template.spec.containers[0]!;
  const apiEnv = () => parseEnv(environmentOf(objectsOf(), 'backend', apiContainer()));
  const workers = () =>
    ofKind<Deployment>(objectsOf(), 'Deployment').filter(
      (deployment) => deployment.metadata.name === 'video-worker',
    );

  test('video jobs run in the API process next to SQLite, or only in the video-worker Deployment on PostgreSQL', () => {
    const env = apiEnv();
    // The image's ffmpeg (Debian's), not the npm installers' static builds, which the image does not carry.
    expect(env.FFMPEG_PATH).toBe('/usr/bin/ffmpeg');
    expect(env.FFPROBE_PATH).toBe('/usr/bin/ffprobe');
    if (databaseSettings(env).dialect === 'sqlite') {
      // One pod owns the database file on its ReadWriteOnce volume: a worker pod could not share it.
      expect(workers()).toEqual([]);
      expect(env.VIDEO_WORKERS).toBeGreaterThanOrEqual(1);
    } else {
      expect(workers()).toHaveLength(1);
      expect(env.VIDEO_WORKERS).toBe(0);
    }
    // prod is the overlay on PostgreSQL.
    expect(workers().length).toBe(overlay === 'prod' ? 1 : 0);
  });

  test('the API container memory limit holds the video uploads it admits, each parsed in memory', () => {
    const env = apiEnv();
    // Measured with the bundle under the image's glibc settings: idle 167 MB, and a 104 MB upload took the peak to
    // 671 MB (multipart body, File and bytes: about 5 copies); four at once to 1.65 GB.
    const idle = 170 * 1024 * 1024;
    const perUpload = 5 * (env.MAX_VIDEO_BYTES as number);
    const limit = bytesOf(apiContainer().resources?.limits?.memory);
    expect(limit).toBeGreaterThanOrEqual(idle + env.MAX_VIDEO_UPLOADS_IN_FLIGHT * perUpload);
  });

  test('every pod that writes video files has VIDEO_TEMP_DIR on an emptyDir that holds all of them at MAX_VIDEO_BYTES', () => {
    const env = apiEnv();
    // A probed video upload each, an annotated video's input and output each, a job's copy each.
    const apiFiles = env.MAX_VIDEO_UPLOADS_IN_FLIGHT + 2 * env.MAX_ANNOTATIONS_IN_FLIGHT + env.VIDEO_WORKERS;
    const apiScratch = scratchLimit(api().spec.template.spec, apiContainer(), env.VIDEO_TEMP_DIR);
    expect(apiScratch).toBeGreaterThanOrEqual(apiFiles * env.MAX_VIDEO_BYTES);
    for (const worker of workers()) {
      const container = worker.spec.template.spec.containers[0]!;
      const workerEnv = parseEnv(environmentOf(objectsOf(), 'video-worker', container));
      expect(
        scratchLimit(worker.spec.template.spec, container, workerEnv.VIDEO_TEMP_DIR),
      ).toBeGreaterThanOrEqual(workerEnv.VIDEO_WORKERS * workerEnv.MAX_VIDEO_BYTES);
    }
  });

  test('through the gateway, a job’s event stream has no route timeout, while every other request keeps the public route’s', () => {
    const { http } = one<VirtualService>(objectsOf(), 'VirtualService', 'backend').spec;
    // Istio takes the first route whose match matches (a regex must match the whole path).
    const routeFor = (path: string) =>
      http.find((route) =>
        (route.match ?? [{}]).some(({ uri }) =>
          uri?.regex !== undefined
            ? new RegExp(`^(?:${uri.regex})$`).test(path)
            : uri?.exact !== undefined
              ? uri.exact === path
              : path.startsWith(uri?.prefix ?? ''),
        ),
      );
    const events = routeFor('/jobs/6f1c2a9e-4d8b-4a57-9a43-0c2f3e1b7d55/events');
    const other = routeFor('/jobs/6f1c2a9e-4d8b-4a57-9a43-0c2f3e1b7d55');
    expect(events?.timeout).toBeUndefined();
    expect(events?.route).toEqual(other?.route);
    expect(events?.retries).toEqual(other?.retries);
    for (const path of ['/jobs/j', '/jobs/j/events/more', '/videos', '/videos/v/annotated', '/images', '/']) {
      expect(routeFor(path), path).toBe(other);
    }
    expect(Number.parseInt(other?.timeout ?? '0', 10)).toBeGreaterThan(0);
  });

  test('the predictor admits the video workers’ identity only where they run', () => {
    const objects = objectsOf();
    const predictor = { 'serving.kserve.io/inferenceservice': 'detector' };
    const infer = {
      port: 8012,
      method: 'POST',
      path: '/v2/models/centernet-coco/infer',
      principal: workerPrincipal,
    };
    const admitted = admittedPrincipals(objects, 'detection', predictor);
    if (workers().length > 0) {
      expect(decide(objects, 'detection', predictor, infer)).toBe('allowed');
      expect(admitted).toContain(workerPrincipal);
    } else {
      expect(decide(objects, 'detection', predictor, infer)).toBe('denied (RBAC: access denied)');
      expect(admitted).not.toContain(workerPrincipal);
    }
  });
});

describe('prod: the video-worker Deployment', () => {
  const objectsOf = () => rendered.get('prod')!;
  const worker = () => one<Deployment>(objectsOf(), 'Deployment', 'video-worker');
  const container = () => worker().spec.template.spec.containers[0]!;
  const api = () => one<Deployment>(objectsOf(), 'Deployment', 'backend').spec.template.spec.containers[0]!;

  test('runs dist/worker.js of the backend image with at least one worker, on the database, storage and model server the API uses', () => {
    expect(container().image).toBe(api().image);
    // The image's WORKDIR is /app, where dist/worker.js lies (dockerfiles.test.ts checks the image side).
    expect(container().command).toEqual(['node', 'dist/worker.js']);
    const workerEnv = parseEnv(environmentOf(objectsOf(), 'video-worker', container()));
    const apiEnv = parseEnv(environmentOf(objectsOf(), 'backend', api()));
    expect(workerEnv.VIDEO_WORKERS).toBeGreaterThanOrEqual(1);
    expect(databaseSettings(workerEnv).dialect).toBe('postgres');
    expect(workerEnv.STORAGE_BACKEND).toBe('s3');
    // Everything else the same: database, bucket, model server, video limits, timeouts.
    const shared = (env: BackendEnv) => {
      const { VIDEO_WORKERS: _workers, REPLICA_ID: _replica, ...rest } = env;
      return rest;
    };
    expect(shared(workerEnv)).toEqual(shared(apiEnv));
    // From the same sources, not copies that could drift apart.
    expect(container().envFrom).toEqual(api().envFrom);
    const secretOf = (candidate: Container, name: string) =>
      candidate.env?.find((variable) => variable.name === name)?.valueFrom;
    expect(secretOf(container(), 'DATABASE_URL')).toEqual(secretOf(api(), 'DATABASE_URL'));
    expect(secretOf(container(), 'REPLICA_ID')).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    // No volume of its own: only the scratch emptyDir.
    expect(worker().spec.template.spec.volumes?.every((volume) => volume.emptyDir)).toBe(true);
  });

  test('is probed on the worker’s GET /health, on the port it listens on, and is no Service’s backend', () => {
    const workerEnv = parseEnv(environmentOf(objectsOf(), 'video-worker', container()));
    const ports = container().ports ?? [];
    for (const probe of [container().startupProbe, container().readinessProbe, container().livenessProbe]) {
      expect(probe?.httpGet?.path).toBe('/health');
      const port = ports.find((candidate) => candidate.name === probe!.httpGet!.port);
      expect(port?.containerPort).toBe(workerEnv.PORT);
    }
    const podLabels = worker().spec.template.metadata?.labels ?? {};
    for (const service of ofKind<Service>(objectsOf(), 'Service')) {
      const selects = Object.entries(service.spec.selector ?? {}).every(
        ([key, value]) => podLabels[key] === value,
      );
      expect(selects, `Service ${service.metadata.name}`).toBe(false);
    }
    // And the API's Service and the backend's policies do not pick the worker pods up either.
    expect(podLabels['app.kubernetes.io/component']).not.toBe('api');
  });

  test('has its own identity without an API token, and the resources an autoscaler on CPU needs', () => {
    const spec = worker().spec.template.spec as PodSpec & { automountServiceAccountToken?: boolean };
    const account = one<ServiceAccount & { automountServiceAccountToken?: boolean }>(
      objectsOf(),
      'ServiceAccount',
      spec.serviceAccountName,
    );
    expect(`cluster.local/ns/${account.metadata.namespace}/sa/${account.metadata.name}`).toBe(
      workerPrincipal,
    );
    expect(account.automountServiceAccountToken).toBe(false);
    expect(spec.automountServiceAccountToken).toBe(false);

    const hpa = one<HorizontalPodAutoscaler>(objectsOf(), 'HorizontalPodAutoscaler', 'video-worker');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'video-worker',
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas!);
    expect(worker().spec.replicas).toBe(hpa.spec.minReplicas);
    expect(hpa.spec.metrics?.map((metric) => metric.resource?.name)).toEqual(['cpu']);
    expect(container().resources?.requests?.cpu).toBeDefined();
    // The sidecar carries the worker's database traffic from its start until it has given its jobs back.
    const proxy = JSON.parse(worker().spec.template.metadata?.annotations?.['proxy.istio.io/config'] ?? '{}');
    expect(proxy).toEqual({
      holdApplicationUntilProxyStarts: true,
      proxyMetadata: { EXIT_ON_ZERO_ACTIVE_CONNECTIONS: 'true' },
    });
    // A rollout starts the new pod before the old one gives its jobs back.
    expect(worker().spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  test('mesh policy: nothing calls the workers but a metrics scrape over mTLS; they reach the predictor', () => {
    const objects = objectsOf();
    const podLabels = worker().spec.template.metadata?.labels ?? {};
    const toWorker = (request: { method: string; path: string; principal?: string; port?: number }) =>
      decide(objects, 'detection', podLabels, { port: 8000, ...request });
    const backendPrincipal = 'cluster.local/ns/detection/sa/backend';
    const gatewayPrincipal = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';
    const prometheus = 'cluster.local/ns/monitoring/sa/prometheus';
    expect(toWorker({ method: 'GET', path: '/metrics', principal: prometheus })).toBe('allowed');
    expect(toWorker({ method: 'GET', path: '/metrics' })).toBe('reset (STRICT mTLS)');
    expect(toWorker({ method: 'POST', path: '/metrics', principal: prometheus })).toBe(
      'denied (RBAC: access denied)',
    );
    for (const principal of [backendPrincipal, gatewayPrincipal, workerPrincipal]) {
      expect(toWorker({ method: 'GET', path: '/health', principal })).toBe('denied (RBAC: access denied)');
      expect(toWorker({ method: 'POST', path: '/videos', principal })).toBe('denied (RBAC: access denied)');
    }
    expect(toWorker({ method: 'GET', path: '/metrics', principal: prometheus, port: 9000 })).toBe(
      'denied (RBAC: access denied)',
    );
    // Istio's metrics merging reads the same path and port through the sidecar agent.
    const annotations = worker().spec.template.metadata?.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/port']).toBe('8000');
    expect(annotations['prometheus.io/path']).toBe('/metrics');

    const predictor = { 'serving.kserve.io/inferenceservice': 'detector' };
    expect(
      decide(objects, 'detection', predictor, {
        port: 8012,
        method: 'POST',
        path: '/v2/models/centernet-coco/infer',
        principal: workerPrincipal,
      }),
    ).toBe('allowed');
  });
});
