/**
 * Renders every overlay with `kubectl kustomize` and checks it offline: each resource against its real
 * schema (see support/schema-validation.ts), then the properties the stack depends on at run time.
 * No cluster exists here; what only a cluster can check is listed in environments/README.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { imageName, isPinnedReference } from '../src/manifests/image-overrides.js';
import type { KubernetesObject } from '../src/manifests/kubernetes-object.js';
import { COLLECTOR_ANNOTATION, LOADER_ANNOTATION } from '../src/manifests/model-versions.js';
import { environmentsDir, overlayNames, parseManifests, renderOverlay } from '../src/manifests/overlays.js';
import { decide, type MeshRequest, mtlsMode } from './support/istio-authz.js';
import {
  type ConfigMap,
  type Container,
  type Deployment,
  type Gateway,
  type HorizontalPodAutoscaler,
  type InferenceService,
  type Job,
  mebibytes,
  millicores,
  ofKind,
  one,
  type PersistentVolumeClaim,
  type PodDisruptionBudget,
  podSpecs,
  type Secret,
  type Service,
  type ServiceAccount,
  type ServingRuntime,
  type VirtualService,
} from './support/manifest-types.js';
import { ManifestValidator, specsDir } from './support/schema-validation.js';

const repoRoot = path.resolve(environmentsDir, '..');
const overlays = overlayNames();
const rendered = new Map<string, KubernetesObject[]>();
let validator: ManifestValidator;

const knativeServingManifest = parse(
  fs.readFileSync(path.join(environmentsDir, 'platform/knative-serving.yaml'), 'utf8'),
);
const knativeServing = knativeServingManifest as {
  spec: { version: string; config: Record<string, Record<string, string>> };
};
const netIstioGateways = parseManifests(
  fs.readFileSync(path.join(specsDir, 'net-istio-v1.15.1/202-gateway.yaml'), 'utf8') +
    '\n---\n' +
    fs.readFileSync(path.join(specsDir, 'net-istio-v1.15.1/203-local-gateway.yaml'), 'utf8'),
  'net-istio',
);
/** A helm values file, read loosely: the test names the paths it expects. */
// biome-ignore lint/suspicious/noExplicitAny: values files are untyped YAML; missing paths fail the test.
type PlatformValues = Record<string, any>;
const knativeReservedEnv = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
const knativeReservedPorts = [8012, 8013, 8022, 9090, 9091, 8008];
const queueProxyMetricsPorts = ['9090', '9091'];
/** queue-proxy's HTTP/1 port, where requests for the model server arrive (knative/serving pkg/networking/constants.go). */
const queueProxyServingPort = 8012;
/**
 * The pre-stop hook Knative Serving 1.15 adds to the user container: HTTP GET on queue-proxy's admin port
 * (knative/serving knative-v1.15.2 pkg/reconciler/revision/resources/deploy.go, `userLifecycle`:
 * networking.QueueAdminPort = 8022, queue.RequestQueueDrainPath = "/wait-for-drain"), sent by the kubelet.
 */
const knativePreStop = { port: 8022, path: '/wait-for-drain' };
const activatorPrincipal = 'cluster.local/ns/knative-serving/sa/activator';
/** The istio/gateway chart's service account is the release name: istio-ingressgateway. */
const gatewayPrincipal = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';

beforeAll(async () => {
  validator = new ManifestValidator([
    path.join(specsDir, 'kserve-v0.15.2/serving.kserve.io_inferenceservices.yaml'),
    path.join(specsDir, 'kserve-v0.15.2/serving.kserve.io_clusterservingruntimes.yaml'),
    path.join(specsDir, 'kserve-v0.15.2/serving.kserve.io_servingruntimes.yaml'),
    path.join(specsDir, 'istio-1.23.2/crd-all.gen.yaml'),
  ]);
  for (const overlay of overlays) rendered.set(overlay, await renderOverlay(overlay));
});

const objectsOf = (overlay: string) => rendered.get(overlay)!;

function allContainers(objects: KubernetesObject[]): Array<{ owner: string; container: Container }> {
  return podSpecs(objects).flatMap(({ owner, spec }) =>
    [...spec.containers, ...(spec.initContainers ?? [])].map((container) => ({ owner, container })),
  );
}

/** Imports another workspace package's environment parser, to check our configuration with its real rules. */
async function importFrom<T>(relativePath: string): Promise<T> {
  return (await import(pathToFileURL(path.join(repoRoot, relativePath)).href)) as T;
}

test('the overlays are local, dev, stage and prod', () => {
  expect(overlays).toEqual(['dev', 'local', 'prod', 'stage']);
});

describe.each(overlays)('overlay %s', (overlay) => {
  test('every resource is valid against its real schema (core models, CRD OpenAPI schemas, CEL rules)', () => {
    const problems = Object.fromEntries(
      objectsOf(overlay)
        .map((object) => [`${object.kind}/${object.metadata.name}`, validator.errors(object)] as const)
        .filter(([, errors]) => errors.length > 0),
    );
    expect(problems).toEqual({});
    expect(objectsOf(overlay).length).toBeGreaterThanOrEqual(14);
  });

  test('namespaced resources live in `detection`, which has sidecar injection and no control-plane label', () => {
    for (const object of objectsOf(overlay)) {
      const scope = validator.scopeOf(object);
      expect(scope, `${object.kind} ${object.metadata.name}`).toBeDefined();
      if (scope === 'Namespaced')
        expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe('detection');
      else expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBeUndefined();
    }
    const namespace = one(objectsOf(overlay), 'Namespace', 'detection');
    expect(namespace.metadata.labels?.['istio-injection']).toBe('enabled');
    // KServe's pod mutator skips namespaces labelled control-plane (no storage mount, no agent).
    expect(Object.keys(namespace.metadata.labels ?? {})).not.toContain('control-plane');
  });

  test('the InferenceService scales to zero in Serverless mode on the runtime it names, over protocol v2', () => {
    const objects = objectsOf(overlay);
    const isvc = one<InferenceService>(objects, 'InferenceService', 'detector');
    const { predictor } = isvc.spec;
    expect(predictor.minReplicas).toBe(0);
    expect(predictor.maxReplicas).toBeGreaterThanOrEqual(2);
    expect(predictor.scaleMetric).toBe('concurrency');
    expect(predictor.scaleTarget).toBeGreaterThan(0);
    expect(predictor.containerConcurrency).toBeGreaterThanOrEqual(predictor.scaleTarget!);
    expect(isvc.metadata.annotations?.['serving.kserve.io/deploymentMode']).toBe('Serverless');
    expect(isvc.metadata.labels?.['networking.knative.dev/visibility']).toBe('cluster-local');
    expect(predictor.model.protocolVersion).toBe('v2');

    const runtime = one<ServingRuntime>(objects, 'ClusterServingRuntime');
    expect(predictor.model.runtime).toBe(runtime.metadata.name);
    expect(runtime.spec.protocolVersions).toContain(predictor.model.protocolVersion);
    expect(runtime.spec.supportedModelFormats).toContainEqual(
      expect.objectContaining(predictor.model.modelFormat),
    );

    // The revision timeout covers a cold start plus inference, within Knative's maximum.
    const maxTimeout = Number(knativeServing.spec.config.defaults?.['max-revision-timeout-seconds']);
    expect(predictor.timeout).toBeGreaterThanOrEqual(120);
    expect(predictor.timeout).toBeLessThanOrEqual(maxTimeout);
    expect(predictor.serviceAccountName).toBe(
      one<ServiceAccount>(objects, 'ServiceAccount', 'model-server').metadata.name,
    );
    const requests = predictor.model.resources?.requests ?? {};
    const limits = predictor.model.resources?.limits ?? {};
    expect(millicores(requests.cpu)).toBeLessThanOrEqual(millicores(limits.cpu));
    expect(mebibytes(requests.memory)).toBeLessThanOrEqual(mebibytes(limits.memory));
  });

  test('the runtime container keeps the KServe and Knative contract: kserve-container, one port 8080, probes on 8080', () => {
    const runtime = one<ServingRuntime>(objectsOf(overlay), 'ClusterServingRuntime');
    expect(runtime.spec.containers).toHaveLength(1);
    const container = runtime.spec.containers[0]!;
    expect(container.name).toBe('kserve-container');
    expect(container.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(knativeReservedPorts).not.toContain(container.ports![0]!.containerPort);
    for (const name of knativeReservedEnv)
      expect(container.env?.map((variable) => variable.name)).not.toContain(name);
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
    // periodSeconds unset = Knative's aggressive readiness probing, which forbids these two fields.
    expect(container.readinessProbe?.periodSeconds).toBeUndefined();
    expect(container.readinessProbe?.failureThreshold).toBeUndefined();
    expect(container.readinessProbe?.timeoutSeconds).toBeUndefined();
    // Knative allows only emptyDir among pod volumes by default; every mount has its volume.
    for (const mount of container.volumeMounts ?? []) {
      const volume = runtime.spec.volumes?.find((candidate) => candidate.name === mount.name);
      expect(volume?.emptyDir, mount.name).toBeDefined();
    }
  });

  test('the model server environment parses under the model server’s own settings schema', async () => {
    const runtime = one<ServingRuntime>(objectsOf(overlay), 'ClusterServingRuntime');
    const container = runtime.spec.containers[0]!;
    const { settingsFromEnvironment } = await importFrom<{
      settingsFromEnvironment: (env: Record<string, string>) => {
        port: number;
        grpcPort: number | null;
        modelRepository: string;
      };
    }>('services/model-server/src/settings.ts');
    const env = Object.fromEntries(
      (container.env ?? []).map((variable) => [variable.name, variable.value ?? '']),
    );
    // Knative sets PORT from the container port.
    const settings = settingsFromEnvironment({ ...env, PORT: String(container.ports![0]!.containerPort) });
    expect(settings.port).toBe(8080);
    expect(settings.grpcPort).toBe(8081);
    expect(settings.modelRepository).toBe('/mnt/models');
  });

  test('the runtime serves OIP over gRPC too (grpc-v2 on 8081, KServe’s convention) without breaking Knative’s one port', async () => {
    const runtime = one<ServingRuntime>(objectsOf(overlay), 'ClusterServingRuntime');
    expect(runtime.spec.protocolVersions).toEqual(['v2', 'grpc-v2']);
    const container = runtime.spec.containers[0]!;
    const { settingsFromEnvironment } = await importFrom<{
      settingsFromEnvironment: (env: Record<string, string>) => { port: number; grpcPort: number | null };
    }>('services/model-server/src/settings.ts');
    const env = Object.fromEntries(
      (container.env ?? []).map((variable) => [variable.name, variable.value ?? '']),
    );
    // A grpc-v2 InferenceService makes 8081 (named h2c) its one serving port, so Knative sets PORT=8081: REST and
    // the probes stay on 8080, gRPC listens on the serving port.
    const grpcServing = settingsFromEnvironment({ ...env, PORT: '8081' });
    expect([grpcServing.port, grpcServing.grpcPort]).toEqual([8080, 8081]);
    expect(knativeReservedPorts).not.toContain(grpcServing.grpcPort);
    expect(container.ports).toHaveLength(1);
  });

  test('every image is pinned (a tag other than latest, or a digest) and pulled only if not present', () => {
    const containers = allContainers(objectsOf(overlay));
    expect(containers.length).toBeGreaterThanOrEqual(2);
    for (const { owner, container } of containers) {
      expect(isPinnedReference(container.image), `${owner}: ${container.image}`).toBe(true);
      expect(container.imagePullPolicy, owner).toBe('IfNotPresent');
    }
    const registries = new Set(containers.map(({ container }) => imageName(container.image).split('/')[0]));
    if (overlay === 'local') {
      // Images loaded with `kind load` have no registry digest: Knative must skip tag resolution for them.
      const skipped =
        knativeServing.spec.config.deployment?.['registries-skipping-tag-resolving']?.split(',') ?? [];
      expect([...registries].every((registry) => skipped.includes(registry!))).toBe(true);
    } else {
      expect(registries).not.toContain('kind.local');
    }
  });

  test('every container runs as non-root, without privilege escalation, all capabilities dropped, read-only root', () => {
    for (const { owner, spec } of podSpecs(objectsOf(overlay))) {
      for (const container of spec.containers) {
        const context = container.securityContext ?? {};
        const runAsNonRoot = context.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
        const runAsUser = context.runAsUser ?? spec.securityContext?.runAsUser;
        expect(runAsNonRoot, `${owner}/${container.name}`).toBe(true);
        expect(runAsUser, `${owner}/${container.name}`).toBeGreaterThan(0);
        expect(context.allowPrivilegeEscalation, `${owner}/${container.name}`).toBe(false);
        expect(context.privileged ?? false, `${owner}/${container.name}`).toBe(false);
        expect(context.capabilities?.drop, `${owner}/${container.name}`).toEqual(['ALL']);
        expect(context.capabilities?.add, `${owner}/${container.name}`).toBeUndefined();
        expect(context.readOnlyRootFilesystem, `${owner}/${container.name}`).toBe(true);
        expect(container.resources?.limits?.memory, `${owner}/${container.name}`).toBeDefined();
      }
    }
  });

  test('the backend: one replica replaced with Recreate on its ReadWriteOnce volume (SQLite), or a scaled-out stateless Deployment (prod), probes on its port', () => {
    const objects = objectsOf(overlay);
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const container = backend.spec.template.spec.containers[0]!;
    if (overlay === 'prod') {
      // PostgreSQL and S3: replicas share nothing on disk, so updates roll and more than one pod runs.
      expect(backend.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(backend.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
      expect(backend.spec.template.spec.volumes?.some((volume) => volume.persistentVolumeClaim)).toBe(false);
      expect(ofKind(objects, 'PersistentVolumeClaim')).toEqual([]);
      expect(container.volumeMounts?.map((mount) => mount.mountPath)).toEqual(['/tmp']);
    } else {
      expect(backend.spec.replicas).toBe(1);
      expect(backend.spec.strategy?.type).toBe('Recreate');
      const claim = backend.spec.template.spec.volumes?.find((volume) => volume.persistentVolumeClaim)
        ?.persistentVolumeClaim?.claimName;
      const pvc = one<PersistentVolumeClaim>(objects, 'PersistentVolumeClaim', claim);
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
      // Writable paths are volumes: data on the PVC, /tmp on an emptyDir.
      expect(container.volumeMounts?.map((mount) => mount.mountPath).sort()).toEqual(['/data', '/tmp']);
    }

    const portNames = (container.ports ?? []).map((port) => port.name);
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
      expect(probe?.httpGet).toBeDefined();
      expect(portNames).toContain(probe!.httpGet!.port);
    }
    expect(container.livenessProbe?.httpGet?.path).toBe('/health');
    // A readiness probe that asked the model server would keep the predictor from ever scaling to zero.
    expect(container.readinessProbe?.httpGet?.path).toBe('/ready?model_server=false');
    expect(backend.spec.template.spec.serviceAccountName).toBe(
      one<ServiceAccount>(objects, 'ServiceAccount', 'backend').metadata.name,
    );
  });

  test('the backend configuration parses under the backend’s own environment schema and calls the predictor in the mesh', async () => {
    const objects = objectsOf(overlay);
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const container = backend.spec.template.spec.containers[0]!;
    const configMapName = container.envFrom?.find((source) => source.configMapRef)?.configMapRef?.name;
    const config = one<ConfigMap>(objects, 'ConfigMap', configMapName).data ?? {};
    const secretName = container.envFrom?.find((source) => source.secretRef)?.secretRef?.name;
    const secret = ofKind<Secret>(objects, 'Secret').find(
      (candidate) => candidate.metadata.name === secretName,
    );
    // Values from Secrets created out of band (DATABASE_URL in prod) are stood in for by a URL of their form.
    const fromSecrets = Object.fromEntries(
      (container.env ?? [])
        .filter((variable) => variable.valueFrom?.secretKeyRef)
        .map((variable) => [variable.name, 'postgresql://app:secret@detection-postgres-rw:5432/app']),
    );
    const env = { ...config, ...(secret?.stringData ?? {}), ...fromSecrets };
    // Overlays without the committed Secret get it out of band; S3 credentials come from it or a workload identity.
    const { parseEnv, databaseSettings } = await importFrom<{
      parseEnv: (env: Record<string, string>) => Record<string, unknown>;
      databaseSettings: (env: Record<string, unknown>) => { dialect: string };
    }>('services/backend/src/env.ts');
    const parsed = parseEnv(env);
    expect(databaseSettings(parsed).dialect).toBe(overlay === 'prod' ? 'postgres' : 'sqlite');
    for (const key of Object.keys(config))
      expect(Object.keys(parsed), `unknown backend variable ${key}`).toContain(key);
    expect(parsed.PORT).toBe(container.ports![0]!.containerPort);

    const isvc = one<InferenceService>(objects, 'InferenceService', 'detector');
    const url = new URL(String(parsed.MODEL_SERVER_URL));
    // Knative's cluster-local host of the predictor; the mesh VirtualService for it goes straight to the pods
    // (or the activator when scaled to zero), so the predictor's AuthorizationPolicy sees the backend's identity.
    expect(url.host).toBe(`${isvc.metadata.name}-predictor.${isvc.metadata.namespace}.svc.cluster.local`);
    expect(url.protocol).toBe('http:');
    // In the cluster the backend calls the predictor over REST, its one Knative serving port.
    expect(parsed.MODEL_SERVER_PROTOCOL).toBe('rest');
    // One model request may wait for a cold start; the revision timeout must outlast it.
    expect(Number(parsed.MODEL_REQUEST_TIMEOUT_MS) / 1000).toBeLessThanOrEqual(isvc.spec.predictor.timeout!);
    expect(parsed.DEFAULT_MODEL).toBe('centernet-coco');
    if (parsed.STORAGE_BACKEND === 's3') {
      expect(parsed.S3_BUCKET).toBeTruthy();
      // S3_PREFIX is this deployment's folder in the bucket; the backend's keys add `images/` below it once.
      const { newImageStorageKey } = await importFrom<{ newImageStorageKey: (id: string) => string }>(
        'services/backend/src/storage/image-keys.ts',
      );
      const objectKey = `${parsed.S3_PREFIX}${newImageStorageKey('a'.repeat(64))}`;
      expect(objectKey.split('/').filter((segment) => segment === 'images')).toEqual(['images']);
    }
    expect(String(parsed.DATABASE_PATH).startsWith('/data/')).toBe(true);
    expect(String(parsed.STORAGE_DIR).startsWith('/data/')).toBe(true);
  });

  test('model storage: pvc:// from a volume the overlay fills (local), s3:// with credentials (stage, prod), or the baked repository', () => {
    const objects = objectsOf(overlay);
    const isvc = one<InferenceService>(objects, 'InferenceService', 'detector');
    const storageUri = isvc.spec.predictor.model.storageUri;
    const serviceAccount = one<ServiceAccount>(
      objects,
      'ServiceAccount',
      isvc.spec.predictor.serviceAccountName,
    );
    if (overlay === 'local') {
      const match = /^pvc:\/\/([a-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(storageUri ?? '');
      expect(match, storageUri).not.toBeNull();
      const pvc = one<PersistentVolumeClaim>(objects, 'PersistentVolumeClaim', match![1]);
      expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
      // The loader publishes versions of that prefix on that claim, from the model-server image's repository,
      // and reports the version as its termination message; the collector works on the same claim.
      const runtimeImage = one<ServingRuntime>(objects, 'ClusterServingRuntime').spec.containers[0]!.image;
      for (const [name, annotation] of [
        ['model-repository-loader', LOADER_ANNOTATION],
        ['model-repository-collector', COLLECTOR_ANNOTATION],
      ] as const) {
        const job = one<Job>(objects, 'Job', name);
        expect(job.metadata.annotations?.[annotation]).toBe(isvc.metadata.name);
        const pod = job.spec.template;
        expect(pod.metadata?.annotations?.['sidecar.istio.io/inject']).toBe('false');
        const container = pod.spec.containers[0]!;
        const env = Object.fromEntries(
          (container.env ?? []).map((variable) => [variable.name, variable.value]),
        );
        const mount = container.volumeMounts![0]!;
        expect(
          pod.spec.volumes!.find((volume) => volume.name === mount.name)?.persistentVolumeClaim?.claimName,
        ).toBe(pvc.metadata.name);
        expect(env.MODEL_VOLUME).toBe(mount.mountPath);
        expect(env.VERSION_PREFIX).toBe(match![2]);
        expect(env.RESULT_FILE).toBe(
          (container as { terminationMessagePath?: string }).terminationMessagePath,
        );
        expect(container.image).toBe(runtimeImage);
        if (name === 'model-repository-loader') expect(env.MODEL_SOURCE).toBe('/mnt/models');
      }
    } else if (overlay === 'stage' || overlay === 'prod') {
      expect(storageUri).toMatch(/^s3:\/\/[a-z0-9.-]+\/.+/);
      // KServe hands the service account's secrets to the storage-initializer.
      expect(serviceAccount.secrets?.map((secret) => secret.name)).toEqual(['model-storage-s3']);
      expect(isvc.metadata.annotations?.['traffic.sidecar.istio.io/excludeOutboundPorts']).toBe('443');
    } else {
      expect(storageUri).toBeUndefined();
    }
  });

  test('every Service selects pods that expose its target port; every route reaches an existing Service port through an existing gateway', () => {
    const objects = objectsOf(overlay);
    const deployments = ofKind<Deployment>(objects, 'Deployment');
    for (const service of ofKind<Service>(objects, 'Service')) {
      const selector = Object.entries(service.spec.selector ?? {});
      expect(selector.length, service.metadata.name).toBeGreaterThan(0);
      const targets = deployments.filter((deployment) =>
        selector.every(([key, value]) => deployment.spec.template.metadata?.labels?.[key] === value),
      );
      expect(targets.length, `pods selected by Service ${service.metadata.name}`).toBe(1);
      const containerPorts = targets[0]!.spec.template.spec.containers.flatMap(
        (container) => container.ports ?? [],
      );
      for (const port of service.spec.ports) {
        expect(
          containerPorts.some(
            (candidate) => candidate.name === port.targetPort || candidate.containerPort === port.targetPort,
          ),
          `Service ${service.metadata.name} targetPort ${String(port.targetPort)}`,
        ).toBe(true);
      }
    }

    const gateways = [...netIstioGateways, ...ofKind(objects, 'Gateway')].filter(
      (object) => object.kind === 'Gateway',
    ) as Gateway[];
    for (const virtualService of ofKind<VirtualService>(objects, 'VirtualService')) {
      for (const reference of virtualService.spec.gateways ?? []) {
        const [namespace, name] = reference.includes('/')
          ? reference.split('/')
          : [virtualService.metadata.namespace, reference];
        const gateway = gateways.find(
          (candidate) => candidate.metadata.name === name && candidate.metadata.namespace === namespace,
        );
        expect(gateway, `gateway ${reference}`).toBeDefined();
        // Same selector as the istio-ingressgateway release (labels derived from its name).
        expect(gateway!.spec.selector).toEqual({ istio: 'ingressgateway' });
        const server = gateway!.spec.servers.find((candidate) => candidate.port.protocol === 'HTTP');
        for (const host of virtualService.spec.hosts) {
          expect(
            server?.hosts.includes('*') || server?.hosts.includes(host),
            `host ${host} on ${reference}`,
          ).toBe(true);
        }
      }
      for (const route of virtualService.spec.http) {
        for (const { destination } of route.route) {
          const [serviceName, namespace = virtualService.metadata.namespace] = destination.host.split('.');
          expect(
            destination.host === serviceName ||
              destination.host === `${serviceName}.${namespace}.svc.cluster.local`,
            destination.host,
          ).toBe(true);
          const service = ofKind<Service>(objects, 'Service').find(
            (candidate) =>
              candidate.metadata.name === serviceName && candidate.metadata.namespace === namespace,
          );
          expect(service, `Service for ${destination.host}`).toBeDefined();
          expect(service!.spec.ports.map((port) => port.port)).toContain(destination.port?.number);
        }
      }
    }
  });

  test('the public route outlasts the backend’s wait for a cold predictor and never retries an upload that reached it', () => {
    const objects = objectsOf(overlay);
    const route = one<VirtualService>(objects, 'VirtualService', 'backend').spec.http.find(
      (candidate) => candidate.name === 'backend',
    )!;
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const configMapName = backend.spec.template.spec.containers[0]!.envFrom?.find(
      (source) => source.configMapRef,
    )?.configMapRef?.name;
    const config = one<ConfigMap>(objects, 'ConfigMap', configMapName).data ?? {};
    expect(route.match).toEqual([{ uri: { prefix: '/' } }]);
    expect(Number.parseInt(route.timeout ?? '0', 10)).toBeGreaterThan(
      Number(config.MODEL_RETRY_DEADLINE_MS) / 1000,
    );
    expect(route.retries?.retryOn?.split(',').sort()).toEqual(['connect-failure', 'refused-stream']);
  });

  test('mesh policy: STRICT mTLS; only the backend and the activator reach the predictor; plain text only for the metrics scrape and the kubelet’s pre-stop drain', () => {
    const objects = objectsOf(overlay);
    const isvc = one<InferenceService>(objects, 'InferenceService', 'detector');
    const predictor = { 'serving.kserve.io/inferenceservice': isvc.metadata.name };
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const backendPod = backend.spec.template.metadata?.labels ?? {};
    const backendPrincipal = `cluster.local/ns/${backend.metadata.namespace}/sa/${backend.spec.template.spec.serviceAccountName}`;
    const toPredictor = (request: MeshRequest) => decide(objects, 'detection', predictor, request);
    const toBackend = (request: MeshRequest) => decide(objects, 'detection', backendPod, request);
    const infer = { port: queueProxyServingPort, method: 'POST', path: '/v2/models/centernet-coco/infer' };

    // Callers with a sidecar: the backend, and the activator while scaled to zero. Nothing else in Knative's
    // namespace, no other namespace; the gateways only for Knative's own probe requests.
    expect(toPredictor({ ...infer, principal: backendPrincipal })).toBe('allowed');
    expect(toPredictor({ ...infer, principal: activatorPrincipal })).toBe('allowed');
    expect(toPredictor({ ...infer, principal: 'cluster.local/ns/knative-serving/sa/controller' })).toBe(
      'denied (RBAC: access denied)',
    );
    expect(toPredictor({ ...infer, principal: 'cluster.local/ns/detection-verify/sa/default' })).toBe(
      'denied (RBAC: access denied)',
    );
    expect(toPredictor({ ...infer, principal: gatewayPrincipal })).toBe('denied (RBAC: access denied)');
    expect(
      toPredictor({
        port: queueProxyServingPort,
        method: 'GET',
        path: '/',
        principal: gatewayPrincipal,
        headers: { 'K-Network-Probe': 'probe' },
      }),
    ).toBe('allowed');

    // Without a sidecar: nothing on the serving ports.
    for (const port of [queueProxyServingPort, 8080]) {
      expect(toPredictor({ ...infer, port }), `plain text to ${port}`).toBe('reset (STRICT mTLS)');
    }
    // The kubelet's pre-stop hook Knative puts on the model server, in plain text: admitted, and only it.
    expect(toPredictor({ port: knativePreStop.port, method: 'GET', path: knativePreStop.path })).toBe(
      'allowed',
    );
    expect(toPredictor({ port: knativePreStop.port, method: 'POST', path: knativePreStop.path })).toBe(
      'denied (RBAC: access denied)',
    );
    expect(toPredictor({ port: knativePreStop.port, method: 'GET', path: '/debug' })).toBe(
      'denied (RBAC: access denied)',
    );
    // The autoscaler's scrape of queue-proxy's metrics, plain text or not; nothing else there.
    for (const port of queueProxyMetricsPorts) {
      expect(toPredictor({ port: Number(port), method: 'GET', path: '/metrics' })).toBe('allowed');
      expect(toPredictor({ port: Number(port), method: 'POST', path: '/metrics' })).toBe(
        'denied (RBAC: access denied)',
      );
    }
    // Plain text is accepted on exactly those ports.
    const plainTextPorts = [8012, 8013, 8022, 8080, 8112, 9090, 9091].filter(
      (port) => mtlsMode(objects, 'detection', predictor, port) !== 'STRICT',
    );
    expect(plainTextPorts).toEqual([knativePreStop.port, ...queueProxyMetricsPorts.map(Number)]);

    // The backend: only the ingress gateway, never plain text.
    expect(toBackend({ port: 8000, method: 'GET', path: '/images', principal: gatewayPrincipal })).toBe(
      'allowed',
    );
    expect(toBackend({ port: 8000, method: 'GET', path: '/images' })).toBe('reset (STRICT mTLS)');
    expect(
      toBackend({
        port: 8000,
        method: 'GET',
        path: '/images',
        principal: 'cluster.local/ns/detection-verify/sa/default',
      }),
    ).toBe('denied (RBAC: access denied)');
    // Once pods exist the activator leaves the path, so the backend's own identity is what gets checked.
    expect(isvc.metadata.annotations?.['autoscaling.knative.dev/target-burst-capacity']).toBe('0');
  });

  test('model deployments: the backend manages InferenceServices with the Role its code needs, the catalogue’s models and the detector’s storage', async () => {
    const objects = objectsOf(overlay);
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const serviceAccount = backend.spec.template.spec.serviceAccountName;
    const configMapName = backend.spec.template.spec.containers[0]!.envFrom?.find(
      (source) => source.configMapRef,
    )?.configMapRef?.name;
    const config = one<ConfigMap>(objects, 'ConfigMap', configMapName).data ?? {};
    expect(config.DEPLOYMENT_TARGET).toBe('kubernetes');
    // The models the model package builds into the repository (and the image), no more, no fewer.
    const { CATALOG } = await importFrom<{ CATALOG: Array<{ config: { name: string } }> }>(
      'model/src/repository/catalog.ts',
    );
    expect(config.DEPLOY_MODELS?.split(',').sort()).toEqual(CATALOG.map((entry) => entry.config.name).sort());
    // Where the overlay has model storage, deployments read the detector's repository (one folder per model);
    // elsewhere (local: a content-addressed copy per deploy, dev: none) the image's baked repository.
    const detectorStorage = one<InferenceService>(objects, 'InferenceService', 'detector').spec.predictor
      .model.storageUri;
    if (overlay === 'stage' || overlay === 'prod') expect(config.DEPLOY_STORAGE_URI).toBe(detectorStorage);
    else expect(config.DEPLOY_STORAGE_URI).toBeUndefined();
    // Deployments copy the detector's serving settings (the backend reads it: get on inferenceservices).
    expect(one<InferenceService>(objects, 'InferenceService', config.DEPLOY_TEMPLATE).metadata.name).toBe(
      'detector',
    );

    // The Role is exactly what the backend calls (kubernetes-calls.ts), bound to the backend's ServiceAccount,
    // whose token is mounted.
    const { kubernetesCalls } = await importFrom<{
      kubernetesCalls: ReadonlyArray<{ apiGroup: string; resource: string; verbs: readonly string[] }>;
    }>('services/backend/src/deployments/kubernetes-calls.ts');
    const role = one<
      KubernetesObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }
    >(objects, 'Role', 'backend-model-deployments');
    expect(role.rules).toEqual(
      kubernetesCalls.map((call) => ({
        apiGroups: [call.apiGroup],
        resources: [call.resource],
        verbs: [...call.verbs],
      })),
    );
    const binding = one<
      KubernetesObject & {
        roleRef: { kind: string; name: string };
        subjects: Array<{ kind: string; name: string; namespace?: string }>;
      }
    >(objects, 'RoleBinding', 'backend-model-deployments');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: serviceAccount, namespace: backend.metadata.namespace },
    ]);
    expect(binding.metadata.namespace).toBe(backend.metadata.namespace);
    expect(
      one<ServiceAccount & { automountServiceAccountToken?: boolean }>(
        objects,
        'ServiceAccount',
        serviceAccount,
      ).automountServiceAccountToken,
    ).toBe(true);
  });

  test('mesh policy: the backend, and only the detector’s callers, reach every predictor the backend deploys (by the label it sets)', async () => {
    const objects = objectsOf(overlay);
    const backend = one<Deployment>(objects, 'Deployment', 'backend');
    const backendPrincipal = `cluster.local/ns/${backend.metadata.namespace}/sa/${backend.spec.template.spec.serviceAccountName}`;
    // The label the backend puts on each InferenceService's predictor; KServe v0.15.2 copies predictor.labels
    // (with the InferenceService's own labels) onto the Knative template, hence the pods (components/predictor.go,
    // buildObjectMeta), next to serving.kserve.io/inferenceservice.
    const { MANAGED_LABEL } = await importFrom<{ MANAGED_LABEL: string }>(
      'services/backend/src/deployments/kubernetes-target.ts',
    );
    const { FIELD_MANAGER } = await importFrom<{ FIELD_MANAGER: string }>(
      'services/backend/src/deployments/kubernetes-calls.ts',
    );
    const managedPod = (model: string) => ({
      'serving.kserve.io/inferenceservice': model,
      [MANAGED_LABEL]: FIELD_MANAGER,
      'detection.backend/model-version': '2',
    });
    const infer = { port: queueProxyServingPort, method: 'POST', path: '/v2/models/blazeface/infer' };
    for (const model of ['blazeface', 'centernet-coco']) {
      const toPredictor = (request: MeshRequest) => decide(objects, 'detection', managedPod(model), request);
      expect(toPredictor({ ...infer, principal: backendPrincipal }), model).toBe('allowed');
      // The video workers (prod, components/video-workers) route jobs with model=NAME there too.
      expect(toPredictor({ ...infer, principal: 'cluster.local/ns/detection/sa/video-worker' })).toBe(
        objects.some((object) => object.kind === 'Deployment' && object.metadata.name === 'video-worker')
          ? 'allowed'
          : 'denied (RBAC: access denied)',
      );
      expect(toPredictor({ ...infer, principal: activatorPrincipal })).toBe('allowed');
      for (const other of [
        'cluster.local/ns/detection/sa/model-server',
        'cluster.local/ns/detection/sa/default',
        'cluster.local/ns/knative-serving/sa/controller',
        'cluster.local/ns/detection-verify/sa/default',
        gatewayPrincipal,
      ])
        expect(toPredictor({ ...infer, principal: other }), other).toBe('denied (RBAC: access denied)');
      expect(
        toPredictor({
          port: queueProxyServingPort,
          method: 'GET',
          path: '/',
          principal: gatewayPrincipal,
          headers: { 'K-Network-Probe': 'probe' },
        }),
      ).toBe('allowed');
      expect(toPredictor(infer), 'plain text').toBe('reset (STRICT mTLS)');
      expect(toPredictor({ port: knativePreStop.port, method: 'GET', path: knativePreStop.path })).toBe(
        'allowed',
      );
      expect(toPredictor({ port: knativePreStop.port, method: 'GET', path: '/debug' })).toBe(
        'denied (RBAC: access denied)',
      );
      for (const port of queueProxyMetricsPorts)
        expect(toPredictor({ port: Number(port), method: 'GET', path: '/metrics' })).toBe('allowed');
      const plainTextPorts = [8012, 8013, 8022, 8080, 8112, 9090, 9091].filter(
        (port) => mtlsMode(objects, 'detection', managedPod(model), port) !== 'STRICT',
      );
      expect(plainTextPorts).toEqual([knativePreStop.port, ...queueProxyMetricsPorts.map(Number)]);
    }
    // Only pods with that label: a predictor of another InferenceService in the namespace is not opened to the
    // backend by these policies (none of ours selects it), and the backend's own pods are not selected.
    const policies = ofKind<
      KubernetesObject & { spec: { selector?: { matchLabels?: Record<string, string> } } }
    >(objects, 'AuthorizationPolicy');
    const selecting = (labels: Record<string, string>) =>
      policies
        .filter((policy) =>
          Object.entries(policy.spec.selector?.matchLabels ?? {}).every(
            ([key, value]) => labels[key] === value,
          ),
        )
        .map((policy) => policy.metadata.name);
    expect(selecting(managedPod('blazeface')).sort()).toEqual(
      [
        'backend-managed-predictors',
        ...(overlay === 'prod' ? ['backend-managed-predictors-video-worker'] : []),
      ].sort(),
    );
    expect(selecting({ 'serving.kserve.io/inferenceservice': 'other-team' })).toEqual([]);
    expect(selecting(backend.spec.template.metadata?.labels ?? {})).toEqual(['backend']);
  });

  test('every referenced ConfigMap, Secret, ServiceAccount and PVC is in the overlay, or is a documented out-of-band Secret', () => {
    const objects = objectsOf(overlay);
    const names = (kind: string) => new Set(ofKind(objects, kind).map((object) => object.metadata.name));
    const readme = fs.readFileSync(path.join(environmentsDir, 'README.md'), 'utf8');
    for (const { owner, spec } of podSpecs(objects)) {
      if (spec.serviceAccountName) expect(names('ServiceAccount'), owner).toContain(spec.serviceAccountName);
      for (const volume of spec.volumes ?? []) {
        if (volume.persistentVolumeClaim)
          expect(names('PersistentVolumeClaim'), owner).toContain(volume.persistentVolumeClaim.claimName);
      }
      for (const container of spec.containers) {
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) expect(names('ConfigMap'), owner).toContain(source.configMapRef.name);
          if (source.secretRef && !names('Secret').has(source.secretRef.name)) {
            expect(overlay, `${owner} needs Secret ${source.secretRef.name}`).not.toBe('local');
            expect(readme).toContain(source.secretRef.name);
          }
        }
      }
    }
    for (const account of ofKind<ServiceAccount>(objects, 'ServiceAccount')) {
      for (const secret of account.secrets ?? []) expect(readme).toContain(secret.name);
    }
    // Nothing secret is committed: the only Secret (local) is empty.
    for (const secret of ofKind<Secret>(objects, 'Secret')) {
      expect(Object.values({ ...secret.stringData, ...secret.data }).every((value) => value === '')).toBe(
        true,
      );
    }
  });
});

test('the overlays differ where environments differ: images, storage, sizes and autoscaling bounds', () => {
  const isvc = (overlay: string) => one<InferenceService>(objectsOf(overlay), 'InferenceService', 'detector');
  const config = (overlay: string) => ofKind<ConfigMap>(objectsOf(overlay), 'ConfigMap')[0]!.data ?? {};
  const pvcSize = (overlay: string) =>
    ofKind<PersistentVolumeClaim>(objectsOf(overlay), 'PersistentVolumeClaim').find(
      (pvc) => pvc.metadata.name === 'backend-data',
    )?.spec.resources.requests.storage;
  expect(config('local').STORAGE_BACKEND).toBe('fs');
  expect(config('dev').STORAGE_BACKEND).toBe('fs');
  expect(config('stage').STORAGE_BACKEND).toBe('s3');
  expect(config('prod').STORAGE_BACKEND).toBe('s3');
  expect(config('stage').S3_BUCKET).not.toBe(config('prod').S3_BUCKET);
  const maxReplicas = overlays.map((overlay) => isvc(overlay).spec.predictor.maxReplicas!);
  expect(new Set(maxReplicas).size).toBeGreaterThan(1);
  expect(isvc('prod').spec.predictor.maxReplicas).toBeGreaterThan(isvc('stage').spec.predictor.maxReplicas!);
  expect(isvc('stage').spec.predictor.maxReplicas).toBeGreaterThan(isvc('local').spec.predictor.maxReplicas!);
  expect(millicores(isvc('prod').spec.predictor.model.resources?.requests?.cpu)).toBeGreaterThan(
    millicores(isvc('local').spec.predictor.model.resources?.requests?.cpu),
  );
  expect(new Set(overlays.map(pvcSize)).size).toBeGreaterThan(1);
  expect(
    isvc('prod').metadata.annotations?.['autoscaling.knative.dev/scale-to-zero-pod-retention-period'],
  ).toBe('10m');
  expect(one<VirtualService>(objectsOf('prod'), 'VirtualService', 'backend').spec.hosts).toEqual([
    'detection.example.com',
  ]);
});

test('prod: the backend scales out on PostgreSQL from a Secret and S3, with an autoscaler and a disruption budget', () => {
  const objects = objectsOf('prod');
  const backend = one<Deployment>(objects, 'Deployment', 'backend');
  const container = backend.spec.template.spec.containers[0]!;
  const database = container.env?.find((variable) => variable.name === 'DATABASE_URL');
  expect(database?.valueFrom?.secretKeyRef).toEqual({ name: 'detection-postgres-app', key: 'uri' });
  expect(container.env?.find((variable) => variable.name === 'REPLICA_ID')?.valueFrom?.fieldRef).toEqual({
    fieldPath: 'metadata.name',
  });
  const readme = fs.readFileSync(path.join(environmentsDir, 'README.md'), 'utf8');
  expect(readme).toContain('detection-postgres-app');
  const config = one<ConfigMap>(objects, 'ConfigMap').data ?? {};
  expect(config.STORAGE_BACKEND).toBe('s3');

  const hpa = one<HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', 'backend');
  expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' });
  expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas!);
  expect(backend.spec.replicas).toBe(hpa.spec.minReplicas);
  expect(hpa.spec.metrics?.[0]?.resource?.name).toBe('cpu');
  // CPU utilization is relative to the request: the container must have one.
  expect(container.resources?.requests?.cpu).toBeDefined();

  const pdb = one<PodDisruptionBudget>(objects, 'PodDisruptionBudget', 'backend');
  expect(pdb.spec.selector.matchLabels).toEqual(backend.spec.selector.matchLabels);
  // At least one pod keeps serving, and a drain can still evict one of the minimum two.
  expect(Number(pdb.spec.minAvailable)).toBeGreaterThanOrEqual(1);
  expect(Number(pdb.spec.minAvailable)).toBeLessThan(hpa.spec.minReplicas!);
});

describe('cluster platform configuration', () => {
  test('kind-config.yaml: one Kubernetes 1.30 node pinned by digest, the gateway NodePorts mapped to loopback', () => {
    const kind = parse(fs.readFileSync(path.join(repoRoot, 'kind-config.yaml'), 'utf8')) as {
      kind: string;
      apiVersion: string;
      nodes: Array<{
        role: string;
        image: string;
        extraPortMappings: Array<{
          containerPort: number;
          hostPort: number;
          listenAddress: string;
          protocol: string;
        }>;
      }>;
    };
    expect(kind.kind).toBe('Cluster');
    expect(kind.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(kind.nodes).toHaveLength(1);
    const node = kind.nodes[0]!;
    expect(node.image).toMatch(/^kindest\/node:v1\.30\.\d+@sha256:[0-9a-f]{64}$/);
    const values = parse(
      fs.readFileSync(path.join(environmentsDir, 'platform/istio-ingressgateway-values.yaml'), 'utf8'),
    ) as {
      service: { type: string; ports: Array<{ name: string; port: number; nodePort?: number }> };
    };
    expect(values.service.type).toBe('NodePort');
    const nodePorts = values.service.ports.filter((port) => port.nodePort).map((port) => port.nodePort);
    expect(node.extraPortMappings.map((mapping) => mapping.containerPort).sort()).toEqual(nodePorts.sort());
    for (const mapping of node.extraPortMappings) {
      expect(mapping.listenAddress).toBe('127.0.0.1');
      expect(mapping.containerPort).toBeGreaterThanOrEqual(30000);
      expect(mapping.containerPort).toBeLessThanOrEqual(32767);
    }
    // The gateway's http port (80) is the one mapped to the host port that run_all_k8s.sh prints.
    const http = values.service.ports.find((port) => port.port === 80)!;
    const script = fs.readFileSync(path.join(repoRoot, 'run_all_k8s.sh'), 'utf8');
    const hostPort = node.extraPortMappings.find(
      (mapping) => mapping.containerPort === http.nodePort,
    )!.hostPort;
    expect(script).toContain(`GATEWAY_PORT=${hostPort}`);
  });

  test('the Kind cluster’s requests, a rollout included, fit the minimum that run_all_k8s.sh checks with docker info', () => {
    const script = fs.readFileSync(path.join(repoRoot, 'run_all_k8s.sh'), 'utf8');
    const minCpus = Number(/^MIN_CPUS=(\d+)$/m.exec(script)?.[1]);
    const minMemoryGib = Number(/^MIN_MEMORY_GIB=(\d+)$/m.exec(script)?.[1]);
    expect(minCpus).toBeGreaterThan(0);
    const platform = (file: string) =>
      parse(fs.readFileSync(path.join(environmentsDir, 'platform', file), 'utf8')) as PlatformValues;
    type Requests = { cpu?: string; memory?: string };
    const pods: Array<[string, Requests, number]> = [];
    const add = (name: string, requests: Requests | undefined, count = 1) => {
      expect(requests, `${name} has requests`).toBeDefined();
      pods.push([name, requests!, count]);
    };
    const istiod = platform('istiod-values.yaml');
    const sidecar = istiod.global.proxy.resources.requests as Requests;
    add('istiod', istiod.pilot.resources.requests);
    expect(istiod.pilot.autoscaleEnabled).toBe(false);
    add('istio-ingressgateway', platform('istio-ingressgateway-values.yaml').resources.requests);
    const operator = platform('knative-operator-values.yaml').knative_operator;
    add('knative-operator', operator.knative_operator.resources.requests);
    add('knative-operator-webhook', operator.operator_webhook.resources.requests);
    const kserve = platform('kserve-values.yaml').kserve.controller;
    add('kserve-controller-manager', kserve.resources.requests);
    add('kserve kube-rbac-proxy', kserve.rbacProxy.resources.requests);
    // Every Deployment of Knative Serving 1.15.2 (config/core/deployments, config/hpa-autoscaling) and
    // net-istio 1.15 (config/500-*.yaml) has its request set, and gets a sidecar (knative-serving is injected).
    const workloads = (
      knativeServingManifest as {
        spec: { workloads: Array<{ name: string; resources: Array<{ requests: Requests }> }> };
      }
    ).spec.workloads;
    expect(workloads.map((workload) => workload.name).sort()).toEqual([
      'activator',
      'autoscaler',
      'autoscaler-hpa',
      'controller',
      'net-istio-controller',
      'net-istio-webhook',
      'webhook',
    ]);
    for (const workload of workloads) add(workload.name, workload.resources[0]!.requests);
    // What is not ours to set: kubeadm's static pods in a kind node (kube-apiserver 250m, controller-manager
    // 200m, scheduler 100m, etcd 100m/100Mi), CoreDNS (2 × 100m/70Mi), kindnet (100m/50Mi); cert-manager's
    // chart sets no requests; queue-proxy asks 25m (Knative's config-deployment default, no memory).
    add('kube-system', { cpu: '950m', memory: '340Mi' });
    const objects = objectsOf('local');
    add(
      'backend',
      one<Deployment>(objects, 'Deployment', 'backend').spec.template.spec.containers[0]!.resources?.requests,
    );
    // During a rollout the old revision's pod drains while the new one starts: two predictors.
    add(
      'predictor',
      one<InferenceService>(objects, 'InferenceService', 'detector').spec.predictor.model.resources?.requests,
      2,
    );
    add('queue-proxy', { cpu: '25m' }, 2);
    const verifyPod = parse(
      execFileSync('bash', ['-c', 'source ./run_all_k8s.sh; verify_pod_manifest p n i true'], {
        cwd: repoRoot,
        encoding: 'utf8',
      }),
    ) as { spec: { containers: Array<{ resources: { requests: Requests } }> } };
    add('verify pods', verifyPod.spec.containers[0]!.resources.requests, 2);
    const sidecars = workloads.length + /* backend, 2 predictors, 1 verify pod */ 4;
    add('istio sidecars', sidecar, sidecars);

    const cpu = pods.reduce((sum, [, requests, count]) => sum + millicores(requests.cpu) * count, 0);
    const memory = pods.reduce(
      (sum, [, requests, count]) => sum + (requests.memory ? mebibytes(requests.memory) : 0) * count,
      0,
    );
    // Room above the requests for what the processes really use (the model server, Envoy, the API server).
    expect(cpu, `requests: ${cpu}m CPU`).toBeLessThanOrEqual(minCpus * 1000 * 0.8);
    expect(memory, `requests: ${memory} MiB`).toBeLessThanOrEqual(minMemoryGib * 1024 * 0.6);
    // And the documentation says the same numbers.
    const readme = fs.readFileSync(path.join(environmentsDir, 'README.md'), 'utf8');
    expect(readme).toContain(`at least ${minCpus} CPUs and ${minMemoryGib} GB of memory`);
  });

  test('KnativeServing is valid for the operator, Knative 1.15.2, with scale to zero and tag resolution skipped for kind.local', async () => {
    const { KnativeServing } = await import(
      '@kubernetes-models/knative/operator.knative.dev/v1beta1/KnativeServing'
    );
    // The constructor copies the manifest: the parsed object the other tests read stays as it is.
    expect(() => new KnativeServing(knativeServingManifest).validate()).not.toThrow();
    expect(knativeServing.spec.version).toBe('1.15.2');
    const { autoscaler, deployment, domain } = knativeServing.spec.config;
    expect(autoscaler?.['enable-scale-to-zero']).toBe('true');
    expect(autoscaler?.['allow-zero-initial-scale']).toBe('false');
    expect(deployment?.['registries-skipping-tag-resolving']?.split(',')).toContain('kind.local');
    expect(Number.parseInt(deployment?.['progress-deadline'] ?? '0', 10)).toBeGreaterThanOrEqual(300);
    expect(Object.keys(domain ?? {})).toEqual(['example.com']);
  });
});
