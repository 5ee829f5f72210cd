/**
 * A stand-in for a Kubernetes API server, on 127.0.0.1, for testing the deploy tool's requests: no cluster
 * can run on this machine. It answers the calls the tool makes the way the real API server does, where the
 * tool's behaviour depends on it:
 * - discovery documents, GET, LIST with label selectors, `Status` error bodies (404, 409, 415, 422);
 * - server-side apply by field manager: each manager owns the fields it applied; a field the manager stops
 *   applying is removed unless another manager also set it; fields other managers own are kept; applying a
 *   different value to a field another manager owns is a 409 Conflict unless `force=true`, which takes the
 *   field over (lists are owned as a whole, a simplification of the real list merge keys);
 * - `metadata.generation` counts changes outside metadata and status; `status` is written only by
 *   controllers (`setStatus`), never by apply;
 * - a Job's pod template and selector are immutable (422), which is why the tool re-creates Jobs;
 * - with `requireNamespaces`, an apply into a namespace that does not exist is a 404 (`namespaces "x" not found`);
 * - DELETE with `propagationPolicy=Foreground` marks the object (deletionTimestamp) and removes it after its
 *   dependents (ownerReferences) are gone, a moment later; Background removes it at once and its dependents
 *   a moment later.
 * Controllers are simulated by the tests (support/fake-controllers.ts) with `onApply` and `schedule`, so
 * conditions move over time as they do on a cluster.
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
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
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
  { group: 'serving.knative.dev', version: 'v1', kind: 'Revision', plural: 'revisions', namespaced: true },
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
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    generation?: number;
    deletionTimestamp?: string;
    ownerReferences?: Array<{ uid: string; kind: string; name: string; apiVersion: string }>;
    [key: string]: unknown;
  };
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
  /** How long a deleted object (Foreground) or its dependents (Background) linger, in ms. */
  deletionDelayMs?: number;
  /**
   * Namespaced applies need their Namespace object, as on a real cluster (404 `namespaces "x" not found`);
   * off by default, where tests apply into namespaces they never create.
   */
  requireNamespaces?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Fields the API server sets itself: never owned by an applier. */
const systemMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'managedFields',
  'creationTimestamp',
  'deletionTimestamp',
]);

/** Leaf fields of an applied configuration, as paths (lists count as one field). */
function leafPaths(object: StoredObject): Map<string, Json> {
  const leaves = new Map<string, Json>();
  const walk = (node: Json, path: string[]) => {
    if (isObject(node) && Object.keys(node).length > 0) {
      for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    } else {
      leaves.set(JSON.stringify(path), node);
    }
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key === 'metadata') {
      for (const [field, child] of Object.entries(value as JsonObject)) {
        if (!systemMetadata.has(field)) walk(child as Json, ['metadata', field]);
      }
      continue;
    }
    walk(value as Json, [key]);
  }
  return leaves;
}

function valueAtPath(object: unknown, path: string[]): Json | undefined {
  let node: unknown = object;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node as Json | undefined;
}

function setAtPath(object: JsonObject, path: string[], value: Json): void {
  let node = object;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path.at(-1)!] = structuredClone(value);
}

/** Removes a field, and the maps it leaves empty. */
function removeAtPath(object: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [];
  let node: unknown = object;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node)) return;
    parents.push(node);
    node = node[key];
  }
  if (!isObject(node)) return;
  delete node[path.at(-1)!];
  for (let depth = path.length - 2; depth >= 1; depth -= 1) {
    const child = valueAtPath(object, path.slice(0, depth + 1));
    if (isObject(child) && Object.keys(child).length === 0) delete parents[depth]![path[depth]!];
    else break;
  }
}

/** `.spec.replicas`, the way the API server names a field in conflict messages. */
const fieldName = (pathKey: string) => `.${(JSON.parse(pathKey) as string[]).join('.')}`;

/** Everything a user can change: generation moves when this does. */
function specOf(object: StoredObject): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return JSON.stringify(rest);
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  /** Called before a request is served; a returned interception is answered as a `Status` error. */
  intercept: (request: RecordedRequest, type: ResourceType | undefined) => Interception | undefined = () =>
    undefined;
  /** Called after an object is applied, to simulate controllers (set status, create dependents). */
  onApply: (object: StoredObject, api: FakeKubeApi, previous: StoredObject | undefined) => void = () =>
    undefined;
  private readonly objects = new Map<string, StoredObject>();
  /** Per object: which manager owns which leaf field. */
  private readonly owners = new Map<string, Map<string, Set<string>>>();
  private readonly types: ResourceType[];
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private resourceVersion = 1;
  private uidCounter = 1;

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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Runs `action` after `ms`, as a controller would some time later; cancelled by stop(). */
  schedule(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  /** Writes an object as a controller or a test set-up would (no field ownership changes, no conflicts). */
  put(object: StoredObject): StoredObject {
    const type = this.requireType(object.apiVersion, object.kind);
    const key = this.key(type, object.metadata.namespace, object.metadata.name);
    const existing = this.objects.get(key);
    const stored = structuredClone(object);
    stored.metadata.uid ??= existing?.metadata.uid ?? this.newUid(stored.metadata.name);
    stored.metadata.generation ??=
      existing && specOf(existing) !== specOf(stored)
        ? (existing.metadata.generation ?? 1) + 1
        : (existing?.metadata.generation ?? 1);
    stored.metadata.resourceVersion = String(this.resourceVersion++);
    this.objects.set(key, stored);
    return stored;
  }

  /** A change made by another field manager with an update (kubectl annotate, an autoscaler, ...). */
  update(
    manager: string,
    reference: { apiVersion: string; kind: string; namespace?: string; name: string },
    change: (object: StoredObject) => void,
  ): StoredObject {
    const type = this.requireType(reference.apiVersion, reference.kind);
    const key = this.key(type, reference.namespace, reference.name);
    const existing = this.objects.get(key);
    if (!existing) throw new Error(`no ${reference.kind} ${reference.name} to update`);
    const changed = structuredClone(existing);
    change(changed);
    const before = leafPaths(existing);
    const owners = this.ownersOf(key);
    for (const [path, value] of leafPaths(changed)) {
      if (JSON.stringify(before.get(path)) === JSON.stringify(value)) continue;
      for (const owned of owners.values()) owned.delete(path);
      if (!owners.has(manager)) owners.set(manager, new Set());
      owners.get(manager)!.add(path);
    }
    return this.put({ ...changed, metadata: { ...changed.metadata, generation: undefined } });
  }

  /** The status subresource: what controllers write. */
  setStatus(
    reference: { apiVersion: string; kind: string; namespace?: string; name: string },
    status: Record<string, unknown>,
  ): void {
    const existing = this.get(reference.apiVersion, reference.kind, reference.namespace, reference.name);
    if (existing) this.put({ ...existing, status });
  }

  /** The reference form of a stored object, for `update` and `setStatus`. */
  static referenceOf(object: StoredObject) {
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    };
  }

  /** Removes an object the way the garbage collector finally does (no request recorded). */
  remove(object: StoredObject): void {
    const type = this.requireType(object.apiVersion, object.kind);
    const key = this.key(type, object.metadata.namespace, object.metadata.name);
    const stored = this.objects.get(key);
    this.objects.delete(key);
    this.owners.delete(key);
    if (stored?.metadata.uid) this.removeDependents(stored.metadata.uid, 0);
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

  /** The managers that own a field of an object (`spec.replicas` style path). */
  managersOf(object: StoredObject, field: string): string[] {
    const type = this.requireType(object.apiVersion, object.kind);
    const path = JSON.stringify(field.split('.'));
    return [...this.ownersOf(this.key(type, object.metadata.namespace, object.metadata.name))]
      .filter(([, paths]) => paths.has(path))
      .map(([manager]) => manager);
  }

  private newUid(name: string): string {
    return `uid-${name}-${this.uidCounter++}`;
  }

  private ownersOf(key: string): Map<string, Set<string>> {
    let owners = this.owners.get(key);
    if (!owners) {
      owners = new Map();
      this.owners.set(key, owners);
    }
    return owners;
  }

  private requireType(apiVersion: string, kind: string): ResourceType {
    const type = this.typeOf(apiVersion, kind);
    if (!type) throw new Error(`fake API does not serve ${apiVersion} ${kind}`);
    return type;
  }

  private typeOf(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.types.find((type) => type.group === group && type.version === version && type.kind === kind);
  }

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.version}/${type.plural}/${type.namespaced ? namespace : ''}/${name}`;
  }

  /** Server-side apply of `applied` by `manager` (see the file comment for the rules implemented). */
  private serverSideApply(
    type: ResourceType,
    key: string,
    applied: StoredObject,
    manager: string,
    force: boolean,
  ): { stored: StoredObject; created: boolean; previous: StoredObject | undefined } {
    const existing = this.objects.get(key);
    const leaves = leafPaths(applied);
    const owners = this.ownersOf(key);
    if (!existing) {
      owners.clear();
      owners.set(manager, new Set(leaves.keys()));
      const { status: _ignored, ...content } = structuredClone(applied);
      const stored = this.put({
        ...content,
        metadata: { ...content.metadata, uid: undefined, generation: 1 },
      } as StoredObject);
      return { stored, created: true, previous: undefined };
    }
    if (type.kind === 'Job') {
      for (const immutable of ['template', 'selector']) {
        const before = valueAtPath(existing, ['spec', immutable]);
        const after = valueAtPath(applied, ['spec', immutable]);
        if (immutable === 'selector' && after === undefined) continue;
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          throw new ApiFailure(
            422,
            'Invalid',
            `Job.batch "${applied.metadata.name}" is invalid: spec.${immutable}: Invalid value: field is immutable`,
          );
        }
      }
    }
    const conflicts: Array<[string, string]> = [];
    for (const [path, value] of leaves) {
      for (const [other, owned] of owners) {
        if (other === manager || !owned.has(path)) continue;
        if (JSON.stringify(valueAtPath(existing, JSON.parse(path))) !== JSON.stringify(value)) {
          conflicts.push([other, path]);
        }
      }
    }
    if (conflicts.length > 0 && !force) {
      throw new ApiFailure(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts
          .map(([other, path]) => `conflict with "${other}": ${fieldName(path)}`)
          .join(', ')}`,
      );
    }
    for (const [other, path] of conflicts) owners.get(other)?.delete(path);
    const result = structuredClone(existing) as unknown as JsonObject;
    const previouslyOwned = owners.get(manager) ?? new Set<string>();
    for (const path of previouslyOwned) {
      if (leaves.has(path)) continue;
      const sharedWithOthers = [...owners].some(([other, owned]) => other !== manager && owned.has(path));
      if (!sharedWithOthers) removeAtPath(result, JSON.parse(path));
    }
    for (const [path, value] of leaves) setAtPath(result, JSON.parse(path), value);
    owners.set(manager, new Set(leaves.keys()));
    const next = result as unknown as StoredObject;
    next.metadata.generation =
      specOf(existing) !== specOf(next)
        ? (existing.metadata.generation ?? 1) + 1
        : existing.metadata.generation;
    return { stored: this.put(next), created: false, previous: existing };
  }

  private removeDependents(ownerUid: string, delayMs: number): void {
    const dependents = this.all().filter((object) =>
      object.metadata.ownerReferences?.some((reference) => reference.uid === ownerUid),
    );
    for (const dependent of dependents) {
      const remove = () => this.remove(dependent);
      if (delayMs > 0) this.schedule(delayMs, remove);
      else remove();
    }
  }

  private handle(request: http.IncomingMessage, rawBody: string, response: http.ServerResponse): void {
    let reply: { status: number; payload: unknown };
    try {
      reply = this.reply(request, rawBody);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      reply = { status: error.status, payload: statusBody(error.status, error.reason, error.message) };
    }
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
    const fail = (status: number, reason: string, message: string): never => {
      throw new ApiFailure(status, reason, message);
    };

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
      const manager = recorded.query.get('fieldManager');
      if (!manager) return fail(422, 'Invalid', 'fieldManager: Required value: is required for apply patch');
      if (
        this.options.requireNamespaces &&
        type.namespaced &&
        route.namespace &&
        !this.get('v1', 'Namespace', undefined, route.namespace)
      ) {
        return fail(404, 'NotFound', `namespaces "${route.namespace}" not found`);
      }
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
      const key = this.key(type, route.namespace, route.name);
      const { stored, created, previous } = this.serverSideApply(
        type,
        key,
        {
          ...applied,
          metadata: { ...applied.metadata, ...(type.namespaced ? { namespace: route.namespace } : {}) },
        },
        manager,
        recorded.query.get('force') === 'true',
      );
      this.onApply(stored, this, previous);
      return send(created ? 201 : 200, this.objects.get(key));
    }
    if (recorded.method === 'DELETE' && route.name) {
      const key = this.key(type, route.namespace, route.name);
      const object = this.objects.get(key);
      if (!object) return fail(404, 'NotFound', `${describe} not found`);
      const policy =
        recorded.query.get('propagationPolicy') ??
        (body as { propagationPolicy?: string } | undefined)?.propagationPolicy ??
        'Background';
      const delayMs = this.options.deletionDelayMs ?? 30;
      const uid = object.metadata.uid!;
      if (policy === 'Foreground') {
        if (!object.metadata.deletionTimestamp) {
          this.put({
            ...object,
            metadata: {
              ...object.metadata,
              deletionTimestamp: new Date().toISOString(),
              finalizers: ['foregroundDeletion'],
            },
          });
          this.removeDependents(uid, 0);
          this.schedule(delayMs, () => {
            if (this.objects.get(key)?.metadata.uid === uid) this.remove(object);
          });
        }
        return send(200, this.objects.get(key));
      }
      this.objects.delete(key);
      this.owners.delete(key);
      this.removeDependents(uid, delayMs);
      return send(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: route.name, kind: type.plural, uid },
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

function statusBody(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
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
