import { z } from 'zod';
import {
  type DeploymentTarget,
  TargetError,
  type TargetObservation,
  type TargetSpec,
} from './deployment-target.js';

export interface LocalTargetOptions {
  /** The model server's REST base URL (its repository extension lives there). */
  modelServerUrl: string;
  /** MODEL_REPOSITORY_TOKEN of the model server, when its load/unload need one. */
  repositoryToken?: string | undefined;
  /** How long one repository call may take (a load warms the model up before it answers). */
  requestTimeoutMs: number;
}

const indexSchema = z.array(
  z.object({
    name: z.string(),
    version: z.union([z.string(), z.number()]).nullish(),
    state: z.string().default('UNKNOWN'),
    reason: z.string().default(''),
  }),
);
type IndexEntry = z.infer<typeof indexSchema>[number];

/**
 * Deployments on the local model server through its model-repository extension: deploy = load (which reads every
 * version folder of the model from its repository), delete = unload, versions and state from the repository
 * index. One process serves every version, so replica counts do not apply; the traffic split between versions is
 * made by the backend when it picks the version of each detection.
 */
export class LocalDeploymentTarget implements DeploymentTarget {
  readonly kind = 'local';
  readonly scalingApplies = false;
  private readonly baseUrl: string;

  constructor(private readonly options: LocalTargetOptions) {
    this.baseUrl = options.modelServerUrl.replace(/\/+$/, '');
  }

  /**
   * The model and the version must be in the repository index, which lists every version in the model server's
   * repository, loaded or not. A version that is there but cannot load is found by the rollout (a fallback).
   */
  async checkModel(name: string, version: string): Promise<void> {
    const index = await this.index();
    const names = [...new Set(index.map((entry) => entry.name))];
    if (!names.includes(name))
      throw new TargetError(
        `unknown model ${name}: the model repository has ${names.join(', ') || 'none'}`,
        404,
      );
    const versions = versionsOf(index.filter((entry) => entry.name === name));
    if (!versions.includes(version))
      throw new TargetError(
        `unknown version ${version} of model ${name}: the model repository has ${versions.length > 0 ? `version ${versions.join(', ')}` : 'no loadable version of it'}`,
        404,
      );
  }

  async apply(spec: TargetSpec): Promise<void> {
    const entries = (await this.index()).filter((entry) => entry.name === spec.name);
    const ready = readyVersions(entries);
    if (spec.versions.every((version) => ready.includes(version))) return;
    await this.repositoryCall(spec.name, 'load');
  }

  async observe(specs: TargetSpec[]): Promise<Map<string, TargetObservation>> {
    const index = await this.index();
    return new Map(
      specs.map((spec) => [
        spec.name,
        observation(
          spec,
          index.filter((entry) => entry.name === spec.name),
          this.baseUrl,
        ),
      ]),
    );
  }

  /** One model server serves every deployment: the backend's own MODEL_SERVER_URL. */
  async endpointFor(): Promise<null> {
    return null;
  }

  async remove(name: string): Promise<void> {
    await this.repositoryCall(name, 'unload', { missingIsDone: true });
  }

  private async index(): Promise<IndexEntry[]> {
    const response = await this.send('/v2/repository/index', '{}');
    const text = await response.text();
    if (!response.ok)
      throw new TargetError(
        `the model server's repository index answered ${response.status}: ${upstreamMessage(text)}`,
      );
    try {
      return indexSchema.parse(JSON.parse(text));
    } catch {
      throw new TargetError("the model server's repository index is not the list it should be");
    }
  }

  private async repositoryCall(
    name: string,
    action: 'load' | 'unload',
    options: { missingIsDone?: boolean } = {},
  ): Promise<void> {
    const response = await this.send(`/v2/repository/models/${encodeURIComponent(name)}/${action}`, '{}');
    const text = await response.text();
    if (response.ok) return;
    if (response.status === 404 && options.missingIsDone) return;
    const why = upstreamMessage(text);
    if (response.status === 401)
      throw new TargetError(
        `the model server refused to ${action} ${name}: MODEL_REPOSITORY_TOKEN is missing or wrong`,
      );
    throw new TargetError(`the model server could not ${action} ${name} (${response.status}): ${why}`);
  }

  private async send(path: string, body: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.repositoryToken && { authorization: `Bearer ${this.options.repositoryToken}` }),
        },
        body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new TargetError(
        timedOut
          ? `the model server at ${this.baseUrl} did not answer within ${this.options.requestTimeoutMs} ms`
          : `the model server at ${this.baseUrl} is unreachable`,
      );
    }
  }
}

function readyVersions(entries: IndexEntry[]): string[] {
  return entries
    .filter((entry) => entry.state === 'READY' && entry.version !== undefined && entry.version !== null)
    .map((entry) => String(entry.version));
}

function versionsOf(entries: IndexEntry[]): string[] {
  return entries.flatMap((entry) =>
    entry.version === undefined || entry.version === null ? [] : [String(entry.version)],
  );
}

function observation(spec: TargetSpec, entries: IndexEntry[], baseUrl: string): TargetObservation {
  const ready = readyVersions(entries);
  const base = { readyVersions: ready, replicas: null, url: `${baseUrl}/v2/models/${spec.name}` };
  if (entries.length === 0)
    return { ...base, state: 'absent', reason: `the model server has no model ${spec.name}` };
  const missing = spec.versions.filter((version) => !ready.includes(version));
  if (missing.length === 0) return { ...base, state: 'ready', reason: null };
  const entryOf = (version: string) => entries.find((entry) => String(entry.version) === version);
  if (missing.some((version) => entryOf(version)?.state === 'LOADING'))
    return { ...base, state: 'progressing', reason: null };
  const inRepository = versionsOf(entries);
  const reasons = missing.map((version) => {
    const entry = entryOf(version);
    if (!entry)
      return `version ${version} is not in the model repository (it has ${inRepository.length > 0 ? `version ${inRepository.join(', ')}` : 'no loadable version'})`;
    return `version ${version} is not serving: ${entry.reason || entry.state.toLowerCase()}`;
  });
  return { ...base, state: 'failed', reason: reasons.join('; ') };
}

function upstreamMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || 'no reason given';
}
