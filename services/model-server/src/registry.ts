import type { Logger } from 'pino';
import {
  errorMessage,
  InvalidInputError,
  ModelNotFoundError,
  ModelNotReadyError,
  ModelUnavailableError,
} from './errors.js';
import { type LoadedVersion, type ModelLoader, servedNames } from './models/model-loader.js';
import type { ServedModel } from './models/served-model.js';
import type { ModelRepository, ModelSource } from './repository.js';

export type ModelState = 'LOADING' | 'READY' | 'UNLOADING' | 'UNAVAILABLE';

export interface IndexEntry {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
}

interface ModelEntry {
  name: string;
  state: ModelState;
  reason: string;
  /** Loaded versions, highest last. */
  versions: LoadedVersion[];
  /** True while a load of this model runs (its versions not yet loaded are LOADING). */
  loading: boolean;
  /** Why each version failed in the last load that failed (cleared by a load that succeeds). */
  failures: Map<string, string>;
  /** Served names (detection name and raw-tensor name, or just one). */
  names: string[];
  /** False after an explicit unload: the model no longer counts for server readiness. */
  wanted: boolean;
  /** Serialises load/unload of this model. */
  pending: Promise<unknown>;
}

/** How the models of the repository came out of the initial load. */
export interface StartupReport {
  ready: string[];
  failed: Array<{ model: string; reason: string }>;
}

export interface RegistryOptions {
  /** Fail startup on any failed model, and be ready only while every wanted model is (settings.strictModelLoading). */
  strict: boolean;
}

/**
 * The loaded models: which names and versions can serve, and their states. A model serves only after every
 * version loaded and ran its warm-up; a reload keeps the old versions serving until the new ones are ready.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();
  /** Served name → repository model name. */
  private readonly names = new Map<string, string>();
  private closed = false;
  /** Until the repository was read, no name is known: requests get 503 (starting), not 404 (unknown). */
  private discovering = false;
  /** True once the initial load finished, whatever its outcome. */
  private started = false;
  /** Models whose session died and could not be reloaded: the process should be restarted. */
  private readonly broken = new Map<string, string>();

  constructor(
    private readonly repository: ModelRepository,
    private readonly loader: ModelLoader,
    private readonly logger: Logger,
    private readonly options: RegistryOptions = { strict: false },
  ) {}

  /**
   * Loads every model of the repository in parallel. A model that fails stays listed as UNAVAILABLE with its
   * reason while the others serve; startup fails only when the repository has no model, when none loads, or,
   * with `strict`, when any fails (Triton's --exit-on-error).
   */
  async loadAll(): Promise<StartupReport> {
    this.discovering = true;
    let loads: Array<Promise<void>>;
    let sources: ModelSource[];
    try {
      sources = await this.repository.list();
      if (sources.length === 0) {
        throw new Error(
          `model repository ${this.repository.root} has no models (expected <name>/<version>/model.onnx)`,
        );
      }
      loads = sources.map((source) => this.loadSource(source));
    } finally {
      this.discovering = false;
    }
    const results = await Promise.allSettled(loads);
    this.started = true;
    const report: StartupReport = { ready: [], failed: [] };
    results.forEach((result, i) => {
      const model = sources[i]!.name;
      if (result.status === 'fulfilled') report.ready.push(model);
      else report.failed.push({ model, reason: errorMessage(result.reason) });
    });
    const failures = report.failed.map(({ model, reason }) => `${model}: ${reason}`).join('; ');
    if (report.failed.length > 0 && this.options.strict) {
      throw new Error(`models failed to load (STRICT_MODEL_LOADING): ${failures}`);
    }
    if (report.ready.length === 0) throw new Error(`no model could be loaded: ${failures}`);
    return report;
  }

  /** (Re)loads a model from the repository (the model-repository extension's load). */
  async load(name: string): Promise<void> {
    const source = await this.repository.find(this.names.get(name) ?? name);
    await this.loadSource(source);
  }

  /** Unloads a model: it stops taking requests, in-flight requests finish, then its sessions are released. */
  async unload(name: string): Promise<void> {
    const entry = this.entries.get(this.names.get(name) ?? name);
    if (!entry) {
      await this.repository.find(name);
      return;
    }
    await this.serialised(entry, async () => {
      entry.wanted = false;
      const versions = entry.versions;
      entry.versions = [];
      entry.state = 'UNLOADING';
      entry.reason = 'unloading';
      await this.release(versions);
      entry.state = 'UNAVAILABLE';
      entry.reason = 'unloaded';
      this.logger.info({ model: entry.name }, 'model unloaded');
    });
  }

  /**
   * The served model for an inference: as `resolve`, but a model that is UNAVAILABLE and not about to change (it
   * was unloaded, or its load failed) is ModelUnavailableError. A model whose session died stays ModelNotReadyError:
   * liveness fails and the process is restarted, so a retry may succeed.
   */
  resolveForInference(name: string, version?: string): ServedModel {
    const entry = this.entryFor(name);
    if (entry.versions.length === 0 && entry.state === 'UNAVAILABLE' && !this.broken.has(entry.name)) {
      throw new ModelUnavailableError(
        `model ${name} is not loaded (${entry.reason || 'unavailable'}); load it again to serve it`,
      );
    }
    return this.resolve(name, version);
  }

  /** The served model for a name and optional version (highest loaded version by default). */
  resolve(name: string, version?: string): ServedModel {
    const entry = this.entryFor(name);
    if (entry.versions.length === 0) {
      throw new ModelNotReadyError(
        `model ${name} is not ready (${entry.state}${entry.reason ? `: ${entry.reason}` : ''})`,
      );
    }
    const loaded =
      version === undefined ? entry.versions.at(-1)! : entry.versions.find((v) => v.version === version);
    if (!loaded) {
      throw new ModelNotFoundError(
        `model ${name} has no version "${version}" (loaded: ${entry.versions.map((v) => v.version).join(', ')})`,
      );
    }
    return loaded.views.find((view) => view.name === name)!;
  }

  /** Loaded versions of a served name, ascending. */
  versionsOf(name: string): string[] {
    return this.entryFor(name).versions.map((v) => v.version);
  }

  /**
   * Every version of every model: those in the repository (loaded or not) and those loaded (even when their folder
   * is gone since), one entry each, by model name and then version number, as Triton indexes a repository. A
   * loaded version is READY; one that is not says why (`not loaded`, its load failure, `unloaded`…). A model
   * folder with no loadable version is one entry without a version.
   */
  async index(): Promise<IndexEntry[]> {
    const sources = await this.repository.list().catch(() => [] as ModelSource[]);
    const names = new Set([...sources.map((source) => source.name), ...this.entries.keys()]);
    const entries: IndexEntry[] = [];
    for (const name of [...names].sort()) {
      const entry = this.entries.get(name);
      const source = sources.find((candidate) => candidate.name === name);
      const loaded = entry?.versions.map((version) => version.version) ?? [];
      const onDisk = source?.problem ? [] : (source?.versions.map((version) => version.version) ?? []);
      const versions = [...new Set([...loaded, ...onDisk])].sort((a, b) => Number(a) - Number(b));
      if (versions.length === 0) {
        entries.push({
          name,
          state: entry?.state ?? 'UNAVAILABLE',
          reason: source?.problem ?? entry?.reason ?? 'not loaded',
        });
        continue;
      }
      for (const version of versions) {
        entries.push({ name, version, ...versionState(entry, version, loaded.includes(version)) });
      }
    }
    return entries;
  }

  /** Loaded versions and whether they serve, for metrics. */
  versionStates(): Array<{ model: string; version: string; ready: boolean }> {
    return [...this.entries.values()].flatMap((entry) =>
      entry.versions.map((loaded) => ({
        model: entry.name,
        version: loaded.version,
        ready: entry.state === 'READY',
      })),
    );
  }

  /** Not live once a model's session died and reloading it failed: only a restart can help then. */
  liveness(): { live: boolean; reason: string } {
    if (this.broken.size === 0) return { live: true, reason: '' };
    return { live: false, reason: [...this.broken].map(([name, why]) => `${name}: ${why}`).join('; ') };
  }

  /**
   * Not ready until the initial load finished. Then ready while some model serves; with `strict`, only while
   * every wanted model is READY (Triton's --strict-readiness). A failed or unloaded model is per-model state.
   */
  readiness(): { ready: boolean; reason: string } {
    const describe = (entries: ModelEntry[]) =>
      entries
        .map((entry) => `${entry.name} is ${entry.state}${entry.reason ? ` (${entry.reason})` : ''}`)
        .join('; ');
    const wanted = [...this.entries.values()].filter((entry) => entry.wanted);
    if (!this.started) {
      if (this.discovering || wanted.length === 0)
        return { ready: false, reason: 'reading the model repository' };
      return { ready: false, reason: describe(wanted.filter((entry) => entry.state !== 'READY')) };
    }
    const serving = [...this.entries.values()].filter((entry) => entry.state === 'READY');
    if (this.options.strict) {
      const notReady = wanted.filter((entry) => entry.state !== 'READY');
      if (notReady.length > 0) return { ready: false, reason: describe(notReady) };
    }
    if (serving.length === 0) {
      return {
        ready: false,
        reason: wanted.length > 0 ? `no model is serving: ${describe(wanted)}` : 'no model is loaded',
      };
    }
    return { ready: true, reason: '' };
  }

  /** Releases every session; waits for in-flight requests of each model first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.entries.values()].map((entry) =>
        this.serialised(entry, async () => {
          const versions = entry.versions;
          entry.versions = [];
          entry.state = 'UNAVAILABLE';
          entry.reason = 'server stopped';
          await this.release(versions);
        }),
      ),
    );
  }

  private entryFor(name: string): ModelEntry {
    const entry = this.entries.get(this.names.get(name) ?? '');
    if (!entry && this.discovering) {
      throw new ModelNotReadyError(`model ${name} is not known yet: the model repository is being read`);
    }
    if (!entry) throw new ModelNotFoundError(`unknown model "${name}"`);
    return entry;
  }

  private serialised<T>(entry: ModelEntry, task: () => Promise<T>): Promise<T> {
    const run = entry.pending.then(task, task);
    entry.pending = run.catch(() => undefined);
    return run;
  }

  private async loadSource(source: ModelSource): Promise<void> {
    if (this.closed) throw new ModelNotReadyError('the server is shutting down');
    const names = servedNames(source);
    for (const served of names) {
      const owner = this.names.get(served);
      if (owner !== undefined && owner !== source.name) {
        throw new InvalidInputError(
          `model ${source.name} would be served as "${served}", which model ${owner} uses`,
        );
      }
    }
    let entry = this.entries.get(source.name);
    if (!entry) {
      entry = {
        name: source.name,
        state: 'LOADING',
        reason: '',
        versions: [],
        loading: false,
        failures: new Map(),
        names,
        wanted: true,
        pending: Promise.resolve(),
      };
      this.entries.set(source.name, entry);
      // Known from now on: requests get 503 (not ready) rather than 404 while the model loads.
      for (const served of names) this.names.set(served, source.name);
    }
    const target = entry;
    await this.serialised(target, async () => {
      target.loading = true;
      try {
        await this.loadVersions(target, source, names);
      } finally {
        target.loading = false;
      }
    });
  }

  private async loadVersions(target: ModelEntry, source: ModelSource, names: string[]): Promise<void> {
    target.wanted = true;
    if (source.problem) {
      if (target.versions.length === 0) [target.state, target.reason] = ['UNAVAILABLE', source.problem];
      throw new InvalidInputError(`cannot load model ${source.name}: ${source.problem}`);
    }
    if (target.versions.length === 0) [target.state, target.reason] = ['LOADING', 'loading'];
    const started = performance.now();
    const results = await Promise.allSettled(
      source.versions.map((version) => this.loader.load(source, version)),
    );
    const loaded = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = results.flatMap((result, i) =>
      result.status === 'rejected'
        ? [`version ${source.versions[i]!.version}: ${errorMessage(result.reason)}`]
        : [],
    );
    target.failures = new Map(
      results.flatMap((result, i) =>
        result.status === 'rejected' ? [[source.versions[i]!.version, errorMessage(result.reason)]] : [],
      ),
    );
    if (failed.length > 0 || this.closed) {
      await this.release(loaded);
      const reason = this.closed ? 'the server is shutting down' : failed.join('; ');
      if (target.versions.length === 0) [target.state, target.reason] = ['UNAVAILABLE', reason];
      else target.reason = `reload failed: ${reason}`;
      this.logger.error({ model: source.name, reason }, 'model failed to load');
      throw new InvalidInputError(`cannot load model ${source.name}: ${reason}`);
    }
    const previous = target.versions;
    for (const old of target.names) this.names.delete(old);
    target.names = names;
    for (const served of names) this.names.set(served, source.name);
    target.versions = loaded;
    [target.state, target.reason] = ['READY', ''];
    this.broken.delete(source.name);
    for (const version of loaded) {
      version.runtime.onFailure((error) => this.onRuntimeFailure(target, version, error));
      this.logger.info(
        {
          model: source.name,
          version: version.version,
          served_as: names,
          session_load_ms: Math.round(version.loadMs),
          warm_up_ms: Math.round(version.warmUpMs),
          ...(version.warning && { warning: version.warning }),
        },
        'model version ready',
      );
    }
    this.logger.info({ model: source.name, load_ms: Math.round(performance.now() - started) }, 'model ready');
    await this.release(previous);
  }

  private async release(versions: readonly LoadedVersion[]): Promise<void> {
    await Promise.all(
      versions.map(async (version) => {
        await version.limiter.idle();
        await version.runtime.release();
      }),
    );
  }

  /** A crashed session takes its version out of service and the model is reloaded once from the repository. */
  private onRuntimeFailure(entry: ModelEntry, version: LoadedVersion, error: Error): void {
    if (!entry.versions.includes(version)) return;
    entry.versions = entry.versions.filter((v) => v !== version);
    this.logger.error({ model: entry.name, version: version.version, err: error }, 'model runtime failed');
    if (entry.versions.length === 0)
      [entry.state, entry.reason] = ['LOADING', `restarting after: ${error.message}`];
    void version.runtime.release();
    this.load(entry.name).catch((reloadError) => {
      this.broken.set(
        entry.name,
        `its session died (${error.message}) and reloading failed: ${errorMessage(reloadError)}`,
      );
      this.logger.error(
        { model: entry.name, err: reloadError },
        'model reload after a runtime failure failed',
      );
    });
  }
}

/** The state of one version in the index: READY when loaded, else what happened to it. */
function versionState(
  entry: ModelEntry | undefined,
  version: string,
  loaded: boolean,
): Pick<IndexEntry, 'state' | 'reason'> {
  if (!entry) return { state: 'UNAVAILABLE', reason: 'not loaded' };
  if (loaded) return { state: entry.state, reason: entry.state === 'READY' ? '' : entry.reason };
  if (entry.loading || entry.state === 'LOADING')
    return { state: 'LOADING', reason: entry.reason || 'loading' };
  const failure = entry.failures.get(version);
  if (failure !== undefined) return { state: 'UNAVAILABLE', reason: failure };
  if (entry.state === 'READY') return { state: 'UNAVAILABLE', reason: entry.reason || 'not loaded' };
  return { state: entry.state, reason: entry.reason || 'not loaded' };
}
