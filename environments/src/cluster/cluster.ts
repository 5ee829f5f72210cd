import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ApiException,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { describeObject, type KubernetesObject } from '../manifests/kubernetes-object.js';
import {
  AccessDeniedError,
  ApiRejectedError,
  ClusterUnreachableError,
  MissingApiError,
  NoKubeconfigError,
  WebhookUnavailableError,
} from './errors.js';

export const FIELD_MANAGER = 'detection-deploy';

export interface ConnectOptions {
  /** Path to a kubeconfig file; default: $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  /** Context name in the kubeconfig; default: its current context. */
  context?: string;
  /** How long apply keeps retrying while an admission webhook is unavailable. */
  webhookRetryMs?: number;
}

export type DeleteOutcome = 'deleted' | 'absent';

interface KubernetesStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

function loadKubeConfig(options: ConnectOptions): KubeConfig {
  const kubeConfig = new KubeConfig();
  const file = options.kubeconfig ?? process.env.KUBECONFIG;
  if (file) {
    for (const candidate of file.split(path.delimiter).filter(Boolean)) {
      if (!fs.existsSync(candidate)) throw new NoKubeconfigError(`kubeconfig ${candidate} does not exist`);
    }
    kubeConfig.loadFromFile(file.split(path.delimiter).filter(Boolean)[0] ?? file);
  } else if (fs.existsSync(path.join(os.homedir(), '.kube', 'config'))) {
    kubeConfig.loadFromDefault();
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kubeConfig.loadFromCluster();
  } else {
    throw new NoKubeconfigError(
      'no kubeconfig: set KUBECONFIG or pass --kubeconfig (for Kind: `kind get kubeconfig --name detection`)',
    );
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) {
      const known = kubeConfig.getContexts().map((context) => context.name);
      throw new NoKubeconfigError(
        `context "${options.context}" is not in the kubeconfig (known: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new NoKubeconfigError('the kubeconfig has no current context; pass --context');
  }
  return kubeConfig;
}

function systemErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, errno, cause } = current as { code?: unknown; errno?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    if (typeof errno === 'string' && /^[A-Z_]+$/.test(errno)) return errno;
    current = cause;
  }
  return undefined;
}

function parseStatus(body: unknown): KubernetesStatus {
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) return body as KubernetesStatus;
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as KubernetesStatus;
  } catch {
    // not JSON: use the text as the message
  }
  return { message: text.trim() || undefined };
}

/** A connection to one cluster: server-side apply, read, list and delete of arbitrary kinds. */
export class Cluster {
  readonly server: string;
  readonly contextName: string;
  private readonly api: KubernetesObjectApi;
  private readonly webhookRetryMs: number;

  constructor(kubeConfig: KubeConfig, options: { webhookRetryMs?: number } = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new NoKubeconfigError('the kubeconfig has no current cluster');
    this.server = cluster.server;
    this.contextName = kubeConfig.getCurrentContext();
    this.webhookRetryMs = options.webhookRetryMs ?? 120_000;
    const strictFieldValidation = {
      // Server-side apply with unknown or duplicate fields fails instead of silently dropping them.
      pre: async (context: RequestContext) => {
        if (context.getHeaders()['Content-Type'] === PatchStrategy.ServerSideApply) {
          context.setQueryParam('fieldValidation', 'Strict');
        }
        return context;
      },
      post: async (response: ResponseContext) => response,
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [strictFieldValidation],
    });
    this.api = new KubernetesObjectApi(configuration);
  }

  /** Server-side apply (the manager owns exactly the fields in the manifest; conflicts are forced). */
  async apply(object: KubernetesObject): Promise<KubernetesObject> {
    const deadline = Date.now() + this.webhookRetryMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const body = structuredClone(object);
        delete (body.metadata as { resourceVersion?: unknown }).resourceVersion;
        return (await this.api.patch(
          body,
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        )) as KubernetesObject;
      } catch (error) {
        const translated = this.translate(error, `apply ${describeObject(object)}`);
        if (!(translated instanceof WebhookUnavailableError) || Date.now() >= deadline) throw translated;
        await sleep(Math.min(1000 * 2 ** (attempt - 1), 10_000));
      }
    }
  }

  async read(reference: KubernetesObject): Promise<KubernetesObject | undefined> {
    try {
      return (await this.api.read({
        apiVersion: reference.apiVersion,
        kind: reference.kind,
        metadata: { name: reference.metadata.name, namespace: reference.metadata.namespace ?? '' },
      })) as unknown as KubernetesObject;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !isDiscoveryFailure(error)) return undefined;
      throw this.translate(error, `read ${describeObject(reference)}`);
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<KubernetesObject[]> {
    try {
      const result = await this.api.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return result.items as unknown as KubernetesObject[];
    } catch (error) {
      throw this.translate(error, `list ${kind} in ${namespace}`);
    }
  }

  async delete(
    object: KubernetesObject,
    propagationPolicy: 'Background' | 'Foreground' = 'Background',
  ): Promise<DeleteOutcome> {
    try {
      await this.api.delete(
        { apiVersion: object.apiVersion, kind: object.kind, metadata: { ...object.metadata } },
        undefined,
        undefined,
        undefined,
        undefined,
        propagationPolicy,
      );
      return 'deleted';
    } catch (error) {
      if (error instanceof ApiException && error.code === 404 && !isDiscoveryFailure(error)) return 'absent';
      const translated = this.translate(error, `delete ${describeObject(object)}`);
      // Deleting something whose CRD is already gone: nothing left to delete.
      if (translated instanceof MissingApiError) return 'absent';
      throw translated;
    }
  }

  /** Maps client and HTTP failures to errors that say what to do. */
  translate(error: unknown, action: string): Error {
    if (error instanceof ApiException) {
      const status = parseStatus(error.body);
      const message = status.message ?? `HTTP ${error.code}`;
      if (isDiscoveryFailure(error) && error.code === 404) {
        return new MissingApiError(
          `${action}: the cluster does not serve this API (${message}); is its CRD installed?`,
        );
      }
      if (error.code === 401) {
        return new AccessDeniedError(
          `${action}: the API server rejected the credentials of context "${this.contextName}" (401 ${message})`,
        );
      }
      if (error.code === 403) {
        return new AccessDeniedError(
          `${action}: forbidden by RBAC for the user of context "${this.contextName}" (403 ${message})`,
        );
      }
      if (
        /failed calling webhook|no endpoints available for service|webhook.*(connection refused|context deadline exceeded)/i.test(
          message,
        )
      ) {
        return new WebhookUnavailableError(`${action}: admission webhook not ready (${message})`);
      }
      return new ApiRejectedError(
        `${action}: ${error.code} ${status.reason ?? ''} ${message}`.replace(/\s+/g, ' ').trim(),
      );
    }
    if (error instanceof Error && /^Unrecognized API version and kind/.test(error.message)) {
      return new MissingApiError(
        `${action}: ${error.message.replace(/^Unrecognized/, 'the cluster does not serve')}; is its CRD installed?`,
      );
    }
    const code = systemErrorCode(error);
    if (code) {
      return new ClusterUnreachableError(
        `${action}: cannot reach the Kubernetes API at ${this.server} (${code}) — is the cluster running and is context "${this.contextName}" the right one?`,
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function isDiscoveryFailure(error: ApiException<unknown>): boolean {
  return error.message.startsWith('Failed to fetch resource metadata');
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export function connectCluster(options: ConnectOptions = {}): Cluster {
  return new Cluster(loadKubeConfig(options), { webhookRetryMs: options.webhookRetryMs });
}
