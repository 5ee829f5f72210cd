/**
 * A stand-in for a Kubernetes API server, on 127.0.0.1, for testing the deploy tool's requests: no cluster
 * can run on this machine. It answers the calls the tool makes the way the real API server does
 * (discovery documents, server-side apply PATCH, GET, LIST with label selectors, DELETE, `Status` error
 * bodies) and records every request. It does not implement merge semantics of server-side apply: an
 * applied object replaces the stored one (keeping its status), which is what the tool's logic depends on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const standardResourceTypes: ResourceType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    namespaced: true,
  },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
  {
    group: 'serving.kserve.io',
    version: 'v1alpha1',
    kind: 'ClusterServingRuntime',
    plural: 'clusterservingruntimes',
    namespaced: false,
  },
  {
    group: 'serving.kserve.io',
    version: 'v1alpha1',
    kind: 'ServingRuntime',
    plural: 'servingruntimes',
    namespaced: true,
  },
  {
    group: 'serving.kserve.io',
    version: 'v1beta1',
    kind: 'InferenceService',
    plural: 'inferenceservices',
    namespaced: true,
  },
  {
    group: 'networking.istio.io',
    version: 'v1',
    kind: 'VirtualService',
    plural: 'virtualservices',
    namespaced: true,
  },
  { group: 'networking.istio.io', version: 'v1', kind: 'Gateway', plural: 'gateways', namespaced: true },
  {
    group: 'security.istio.io',
    version: 'v1',
    kind: 'PeerAuthentication',
    plural: 'peerauthentications',
    namespaced: true,
  },
  {
    group: 'security.istio.io',
    version: 'v1',
    kind: 'AuthorizationPolicy',
    plural: 'authorizationpolicies',
    namespaced: true,
  },
];

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

export interface Interception {
  status: number;
  reason: string;
  message: string;
}

export interface FakeKubeApiOptions {
  resourceTypes?: ResourceType[];
  /** Bearer token the server accepts; any other gets 401. */
  token?: string;
}

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  /** Called before a request is served; a returned interception is answered as a `Status` error. */
  intercept: (request: RecordedRequest, type: ResourceType | undefined) => Interception | undefined = () =>
    undefined;
  /** Called after an object is applied, to simulate controllers (set status, create dependents). */
  onApply: (object: StoredObject, api: FakeKubeApi) => void = () => undefined;
  private readonly objects = new Map<string, StoredObject>();
  private readonly types: ResourceType[];
  private readonly server: http.Server;
  private resourceVersion = 1;

  constructor(private readonly options: FakeKubeApiOptions = {}) {
    this.types = options.resourceTypes ?? standardResourceTypes;
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.handle(request, Buffer.concat(chunks).toString('utf8'), response));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  put(object: StoredObject): StoredObject {
    const type = this.typeOf(object.apiVersion, object.kind);
    if (!type) throw new Error(`fake API does not serve ${object.apiVersion} ${object.kind}`);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.resourceVersion++);
    stored.metadata.uid ??= `uid-${stored.metadata.name}-${this.resourceVersion}`;
    this.objects.set(this.key(type, stored.metadata.namespace, stored.metadata.name), stored);
    return stored;
  }

  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): StoredObject | undefined {
    const type = this.typeOf(apiVersion, kind);
    return type ? this.objects.get(this.key(type, namespace, name)) : undefined;
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  private typeOf(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.types.find((type) => type.group === group && type.version === version && type.kind === kind);
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.version}/${type.plural}/${type.namespaced ? namespace : ''}/${name}`;
  }

  private handle(request: http.IncomingMessage, rawBody: string, response: http.ServerResponse): void {
    const reply = this.reply(request, rawBody);
    response.writeHead(reply.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(reply.payload));
  }

  private reply(request: http.IncomingMessage, rawBody: string): { status: number; payload: unknown } {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body,
    };
    this.requests.push(recorded);

    const send = (status: number, payload: unknown) => ({ status, payload });
    const fail = (status: number, reason: string, message: string) =>
      send(status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code: status,
      });

    if (this.options.token && recorded.authorization !== `Bearer ${this.options.token}`) {
      return fail(401, 'Unauthorized', 'Unauthorized');
    }
    const route = this.route(url.pathname);
    if (!route) return fail(404, 'NotFound', `the server could not find the requested resource`);
    const interception = this.intercept(recorded, route.type);
    if (interception) return fail(interception.status, interception.reason, interception.message);

    if (route.discovery) {
      const resources = this.types.filter(
        (type) => type.group === route.group && type.version === route.version,
      );
      if (resources.length === 0)
        return fail(404, 'NotFound', 'the server could not find the requested resource');
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: route.group ? `${route.group}/${route.version}` : route.version,
        resources: resources.map((type) => ({
          name: type.plural,
          singularName: type.kind.toLowerCase(),
          namespaced: type.namespaced,
          kind: type.kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
      });
    }
    const type = route.type;
    if (!type) return fail(404, 'NotFound', 'the server could not find the requested resource');
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    const describe = `${type.plural}${type.group ? `.${type.group}` : ''} "${route.name}"`;

    if (recorded.method === 'GET' && route.name) {
      const found = this.objects.get(this.key(type, route.namespace, route.name));
      return found ? send(200, found) : fail(404, 'NotFound', `${describe} not found`);
    }
    if (recorded.method === 'GET') {
      const selector = parseSelector(recorded.query.get('labelSelector'));
      const items = this.all().filter(
        (object) =>
          object.apiVersion === apiVersion &&
          object.kind === type.kind &&
          (!type.namespaced || !route.namespace || object.metadata.namespace === route.namespace) &&
          Object.entries(selector).every(([key, value]) => object.metadata.labels?.[key] === value),
      );
      return send(200, {
        apiVersion,
        kind: `${type.kind}List`,
        metadata: { resourceVersion: String(this.resourceVersion) },
        items,
      });
    }
    if (recorded.method === 'PATCH' && route.name) {
      if (recorded.contentType !== 'application/apply-patch+yaml') {
        return fail(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`,
        );
      }
      if (!recorded.query.get('fieldManager'))
        return fail(422, 'Invalid', 'fieldManager: Required value: is required for apply patch');
      const applied = body as StoredObject;
      if (
        applied?.metadata?.name !== route.name ||
        applied.kind !== type.kind ||
        applied.apiVersion !== apiVersion
      ) {
        return fail(
          400,
          'BadRequest',
          'the name, kind or apiVersion of the object does not match the request',
        );
      }
      const existing = this.objects.get(this.key(type, route.namespace, route.name));
      const stored = this.put({
        ...applied,
        metadata: {
          ...applied.metadata,
          ...(type.namespaced ? { namespace: route.namespace } : {}),
          uid: existing?.metadata.uid,
        },
        ...(existing?.status ? { status: existing.status } : {}),
      });
      this.onApply(stored, this);
      return send(existing ? 200 : 201, this.objects.get(this.key(type, route.namespace, route.name)));
    }
    if (recorded.method === 'DELETE' && route.name) {
      const key = this.key(type, route.namespace, route.name);
      if (!this.objects.has(key)) return fail(404, 'NotFound', `${describe} not found`);
      this.objects.delete(key);
      return send(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: route.name, kind: type.plural },
      });
    }
    return fail(405, 'MethodNotAllowed', `${recorded.method} is not supported here`);
  }

  private route(pathname: string):
    | {
        discovery: true;
        group: string;
        version: string;
        type?: undefined;
        namespace?: undefined;
        name?: undefined;
      }
    | {
        discovery: false;
        group: string;
        version: string;
        type: ResourceType | undefined;
        namespace?: string;
        name?: string;
      }
    | undefined {
    const segments = pathname.split('/').filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments[1]) {
      group = '';
      version = segments[1];
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments[1] && segments[2]) {
      group = segments[1];
      version = segments[2];
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    if (rest.length === 0) return { discovery: true, group, version };
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const plural = rest[0];
    const type = this.types.find(
      (candidate) =>
        candidate.group === group && candidate.version === version && candidate.plural === plural,
    );
    return { discovery: false, group, version, type, namespace, name: rest[1] };
  }
}

function parseSelector(selector: string | null): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(
    selector.split(',').map((pair) => {
      const [key, value] = pair.split('=');
      return [key ?? '', value ?? ''];
    }),
  );
}

/** A kubeconfig for the fake API server. */
export function kubeconfigFor(server: string, token = 'test-token', context = 'fake'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${context}`,
    'clusters:',
    `  - name: ${context}`,
    '    cluster:',
    `      server: ${server}`,
    // client-node refuses plain HTTP unless TLS verification is off; the stand-in serves HTTP on loopback.
    '      insecure-skip-tls-verify: true',
    'contexts:',
    `  - name: ${context}`,
    '    context:',
    `      cluster: ${context}`,
    `      user: ${context}`,
    'users:',
    `  - name: ${context}`,
    '    user:',
    `      token: ${token}`,
    '',
  ].join('\n');
}
