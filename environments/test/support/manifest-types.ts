/** Typed views of the rendered objects that the manifest tests inspect. */
import type { KubernetesObject } from '../../src/manifests/kubernetes-object.js';

export interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      fieldRef?: { fieldPath: string };
    };
  }>;
  envFrom?: Array<{
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: Record<string, unknown>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  restartPolicy?: string;
  securityContext?: SecurityContext & { fsGroup?: number };
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export type Deployment = KubernetesObject & {
  spec: {
    replicas?: number;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
};
export type HorizontalPodAutoscaler = KubernetesObject & {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: Array<{ type: string; resource?: { name: string } }>;
  };
};
export type PodDisruptionBudget = KubernetesObject & {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector: { matchLabels: Record<string, string> };
  };
};
export type Job = KubernetesObject & { spec: { template: PodTemplate } };
export type Service = KubernetesObject & {
  spec: {
    selector?: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: number | string }>;
  };
};
export type ConfigMap = KubernetesObject & { data?: Record<string, string> };
export type Secret = KubernetesObject & {
  stringData?: Record<string, string>;
  data?: Record<string, string>;
};
export type ServiceAccount = KubernetesObject & { secrets?: Array<{ name: string }> };
export type PersistentVolumeClaim = KubernetesObject & {
  spec: { accessModes: string[]; resources: { requests: { storage: string } } };
};

export type ServingRuntime = KubernetesObject & {
  spec: {
    supportedModelFormats: Array<{ name: string; version?: string; autoSelect?: boolean }>;
    protocolVersions: string[];
    containers: Container[];
    volumes?: Volume[];
  };
};

export type InferenceService = KubernetesObject & {
  spec: {
    predictor: {
      annotations?: Record<string, string>;
      serviceAccountName?: string;
      minReplicas?: number;
      maxReplicas?: number;
      scaleMetric?: string;
      scaleTarget?: number;
      containerConcurrency?: number;
      timeout?: number;
      model: {
        modelFormat: { name: string; version?: string };
        runtime?: string;
        protocolVersion?: string;
        storageUri?: string;
        resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
      };
    };
  };
};

export interface HttpRoute {
  name?: string;
  match?: Array<{ uri?: { prefix?: string; exact?: string; regex?: string } }>;
  route: Array<{ destination: { host: string; port?: { number: number } } }>;
  timeout?: string;
  retries?: { attempts?: number; retryOn?: string };
}
export type VirtualService = KubernetesObject & {
  spec: { hosts: string[]; gateways?: string[]; http: HttpRoute[] };
};
export type Gateway = KubernetesObject & {
  spec: {
    selector: Record<string, string>;
    servers: Array<{ port: { number: number; protocol: string }; hosts: string[] }>;
  };
};
export type PeerAuthentication = KubernetesObject & {
  spec: {
    selector?: { matchLabels: Record<string, string> };
    mtls?: { mode: string };
    portLevelMtls?: Record<string, { mode: string }>;
  };
};
export interface AuthorizationRule {
  from?: Array<{ source: { principals?: string[]; namespaces?: string[] } }>;
  to?: Array<{ operation: { ports?: string[]; paths?: string[]; methods?: string[] } }>;
  when?: Array<{ key: string; values: string[] }>;
}
export type AuthorizationPolicy = KubernetesObject & {
  spec: { selector?: { matchLabels: Record<string, string> }; action?: string; rules: AuthorizationRule[] };
};

export function ofKind<T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}

export function one<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string): T {
  const matches = ofKind<T>(objects, kind).filter(
    (object) => name === undefined || object.metadata.name === name,
  );
  if (matches.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`);
  return matches[0]!;
}

/** The pod templates of every workload, with the containers of each (ServingRuntime containers included). */
export function podSpecs(objects: KubernetesObject[]): Array<{ owner: string; spec: PodSpec }> {
  const specs: Array<{ owner: string; spec: PodSpec }> = [];
  for (const object of objects) {
    if (object.kind === 'Deployment' || object.kind === 'Job') {
      specs.push({
        owner: `${object.kind} ${object.metadata.name}`,
        spec: (object as Deployment | Job).spec.template.spec,
      });
    }
    if (object.kind === 'ClusterServingRuntime' || object.kind === 'ServingRuntime') {
      const runtime = object as ServingRuntime;
      specs.push({
        owner: `${object.kind} ${object.metadata.name}`,
        spec: { containers: runtime.spec.containers, volumes: runtime.spec.volumes },
      });
    }
  }
  return specs;
}

/** CPU quantity in millicores ("250m", "1", "2"). */
export function millicores(quantity: string | undefined): number {
  if (!quantity) return 0;
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** Memory quantity in MiB ("512Mi", "2Gi"). */
export function mebibytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}
