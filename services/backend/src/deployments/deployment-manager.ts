import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type {
  DeploymentChanges,
  DeploymentRepository,
  NewDeploymentEvent,
} from '../db/deployment-repository.js';
import type { DeploymentRow } from '../db/records.js';
import { ApiError } from '../errors.js';
import { type DeploymentTarget, TargetError, type TargetObservation } from './deployment-target.js';
import { type DeploymentView, viewOf } from './deployment-view.js';
import { bucketOf, pickVersion, specOf, trafficOf } from './traffic.js';

export interface DeploymentSettings {
  /** How long a new version has to become ready before it is rolled back (DEPLOY_READY_DEADLINE_MS). */
  readyDeadlineMs: number;
  /** Pause between two looks at a version coming up. */
  pollIntervalMs: number;
}

export interface DeployRequest {
  name: string;
  version: string;
  minReplicas: number;
  maxReplicas: number;
  targetConcurrency: number;
  /** Run `version` next to the stable one with this share of requests, instead of replacing it. */
  canaryPercent?: number | undefined;
}

export interface DeploymentManagerDependencies {
  repository: DeploymentRepository;
  target: DeploymentTarget;
  logger: Logger;
  settings: DeploymentSettings;
  now?: () => number;
  random?: () => number;
}

const historyLength = 20;

/**
 * The deployment verbs — deploy or update, scale, canary, promote, roll back, delete, list — over the records
 * (desired state, the previous good version, history) and a {@link DeploymentTarget}. A new version is brought up
 * next to the serving ones and takes traffic only once ready; if it is not ready by the deadline it is dropped and
 * the deployment says why, traffic never having left the last good version.
 */
export class DeploymentManager {
  private readonly rollouts = new Map<string, Promise<void>>();
  /** Aborted by `close()`: watchers stop waiting; an unfinished rollout is expired by whoever reads it later. */
  private readonly stopping = new AbortController();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: DeploymentManagerDependencies) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  get targetKind(): DeploymentTarget['kind'] {
    return this.deps.target.kind;
  }

  async list(): Promise<DeploymentView[]> {
    const rows = await Promise.all((await this.deps.repository.list()).map((row) => this.expireRollout(row)));
    const observed = await this.observe(rows);
    return rows.map((row) => viewOf(row, observed.get(row.name), this.deps.target));
  }

  async get(name: string): Promise<DeploymentView> {
    const row = await this.expireRollout(await this.find(name));
    const observed = await this.observe([row]);
    return viewOf(
      row,
      observed.get(name),
      this.deps.target,
      await this.deps.repository.history(name, historyLength),
    );
  }

  /** Creates or changes a deployment. 201/202 when a version is being brought up, 200 for a change in place. */
  async deploy(request: DeployRequest): Promise<{ status: 200 | 201 | 202; deployment: DeploymentView }> {
    await this.checkModel(request.name, request.version);
    const existing = await this.deps.repository.find(request.name);
    const scaling = {
      minReplicas: request.minReplicas,
      maxReplicas: request.maxReplicas,
      targetConcurrency: request.targetConcurrency,
    };
    const now = this.now();
    if (!existing) {
      if (request.canaryPercent !== undefined)
        throw new ApiError(
          409,
          `cannot run a canary of ${request.name}: it has no running version to share traffic with; deploy a version first`,
        );
      const created = await this.deps.repository.create(
        {
          name: request.name,
          phase: 'deploying',
          stableVersion: null,
          canaryVersion: null,
          canaryPercent: null,
          previousVersion: null,
          rolloutVersion: request.version,
          rolloutCanaryPercent: null,
          rolloutDeadlineAt: now + this.deps.settings.readyDeadlineMs,
          ...scaling,
          failureReason: null,
          message: `deploying version ${request.version}`,
          createdAt: now,
          updatedAt: now,
          lastTransitionAt: now,
        },
        { action: 'deploy', version: request.version, detail: `deploy version ${request.version}` },
      );
      if (!created) throw await this.conflict(request.name, 'it was created by another request meanwhile');
      this.startRollout(created);
      return { status: 201, deployment: await this.viewAfterChange(created) };
    }
    this.refuseWhileBusy(existing);
    const isCanary = request.canaryPercent !== undefined;
    if (isCanary) {
      if (existing.phase !== 'ready' || existing.stableVersion === null)
        throw await this.conflict(
          request.name,
          'a canary needs a running version to share traffic with, and it has none',
          409,
        );
      if (request.version === existing.stableVersion)
        throw new ApiError(
          400,
          `version ${request.version} already takes the traffic of ${request.name}; a canary needs another version`,
        );
    }
    // The same stable version (or the same canary with a new share): a change in place, nothing to bring up.
    const inPlace =
      (!isCanary && request.version === existing.stableVersion) ||
      (isCanary && request.version === existing.canaryVersion);
    if (inPlace) {
      const changes: DeploymentChanges = isCanary
        ? { ...scaling, canaryPercent: request.canaryPercent! }
        : scaling;
      const event: NewDeploymentEvent = isCanary
        ? {
            action: 'canary',
            version: request.version,
            detail: `canary version ${request.version} now takes ${request.canaryPercent}% of requests`,
          }
        : {
            action: 'scale',
            version: request.version,
            detail: `replicas ${request.minReplicas}–${request.maxReplicas}, target concurrency ${request.targetConcurrency}`,
          };
      const updated = await this.change(existing, { ...changes, message: event.detail }, event);
      return { status: 200, deployment: await this.viewAfterChange(updated) };
    }
    const detail = isCanary
      ? `bringing up version ${request.version} as a canary for ${request.canaryPercent}% of requests`
      : `deploying version ${request.version}`;
    const updated = await this.change(
      existing,
      {
        ...scaling,
        phase: 'deploying',
        rolloutVersion: request.version,
        rolloutCanaryPercent: request.canaryPercent ?? null,
        rolloutDeadlineAt: now + this.deps.settings.readyDeadlineMs,
        failureReason: null,
        message: detail,
        lastTransitionAt: now,
      },
      { action: isCanary ? 'canary' : 'deploy', version: request.version, detail },
    );
    this.startRollout(updated);
    return { status: 202, deployment: await this.viewAfterChange(updated) };
  }

  /** The canary takes all requests; the stable version becomes the one to roll back to. */
  async promote(name: string): Promise<DeploymentView> {
    const row = await this.find(name);
    this.refuseWhileBusy(row);
    if (row.canaryVersion === null) throw await this.conflict(name, 'it has no canary to promote', 409);
    const detail = `promoted version ${row.canaryVersion} to all requests (version ${row.stableVersion} kept for roll back)`;
    const updated = await this.change(
      row,
      {
        stableVersion: row.canaryVersion,
        previousVersion: row.stableVersion,
        canaryVersion: null,
        canaryPercent: null,
        failureReason: null,
        message: detail,
        lastTransitionAt: this.now(),
      },
      { action: 'promote', version: row.canaryVersion, detail },
    );
    return this.viewAfterChange(updated);
  }

  /** Drops a canary; without one, returns to the version that served before the stable one. */
  async rollback(name: string): Promise<DeploymentView> {
    const row = await this.find(name);
    this.refuseWhileBusy(row);
    let changes: DeploymentChanges;
    let event: NewDeploymentEvent;
    if (row.canaryVersion !== null) {
      const detail = `removed canary version ${row.canaryVersion}; version ${row.stableVersion} takes all requests`;
      changes = { canaryVersion: null, canaryPercent: null, message: detail };
      event = { action: 'rollback', version: row.stableVersion, detail };
    } else if (row.previousVersion !== null) {
      const detail = `rolled back from version ${row.stableVersion} to version ${row.previousVersion}`;
      changes = { stableVersion: row.previousVersion, previousVersion: null, message: detail };
      event = { action: 'rollback', version: row.previousVersion, detail };
    } else {
      throw await this.conflict(name, 'there is no canary and no previous version to roll back to', 409);
    }
    const updated = await this.change(
      row,
      { ...changes, phase: 'ready', failureReason: null, lastTransitionAt: this.now() },
      event,
    );
    return this.viewAfterChange(updated);
  }

  /** Stops serving the deployment and removes its record; on a target failure the record stays as it was. */
  async remove(name: string): Promise<void> {
    const row = await this.find(name);
    if (row.phase === 'deleting') throw await this.conflict(name, 'it is being deleted already', 409);
    const deleting = await this.change(
      row,
      { phase: 'deleting', message: 'deleting', lastTransitionAt: this.now() },
      { action: 'delete', version: null, detail: 'delete requested' },
    );
    try {
      await this.deps.target.remove(name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.deps.repository.update(
        name,
        deleting.generation,
        { phase: row.phase, failureReason: `delete failed: ${reason}`, message: `delete failed: ${reason}` },
        { action: 'failed', version: null, detail: `delete failed: ${reason}` },
        this.now(),
      );
      throw asApiError(error, `cannot delete ${name}`);
    }
    await this.deps.repository.remove(name, deleting.generation);
  }

  /**
   * Where a detection with `model` goes: the version its deployment's split picks — for the client's fixed place
   * in the split when `clientKey` says who asks, at random otherwise — and, where the target gives each deployment
   * its own server, that server; undefined without a deployment.
   */
  async routeFor(
    model: string,
    clientKey?: string,
  ): Promise<{ version: string | undefined; baseUrl: string | undefined } | undefined> {
    const row = await this.deps.repository.find(model);
    if (!row || row.phase === 'deleting') return undefined;
    const point = clientKey === undefined ? this.random() * 100 : bucketOf(model, clientKey);
    return {
      version: pickVersion(trafficOf(row), point),
      baseUrl: (await this.deps.target.endpointFor(model)) ?? undefined,
    };
  }

  /** Resolves once no rollout started by this process is running. */
  async idle(): Promise<void> {
    while (this.rollouts.size > 0) await Promise.allSettled([...this.rollouts.values()]);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.idle();
  }

  private async find(name: string): Promise<DeploymentRow> {
    const row = await this.deps.repository.find(name);
    if (!row) throw new ApiError(404, `no deployment named ${name}`);
    return row;
  }

  private async checkModel(name: string, version: string): Promise<void> {
    try {
      await this.deps.target.checkModel(name, version);
    } catch (error) {
      if (error instanceof TargetError && error.status === 404) throw new ApiError(404, error.message);
      throw asApiError(error, 'cannot check the model');
    }
  }

  private refuseWhileBusy(row: DeploymentRow): void {
    if (row.phase === 'deploying')
      throw this.conflictWith(
        row,
        `version ${row.rolloutVersion} is being rolled out; wait until it is ready or rolled back`,
      );
    if (row.phase === 'deleting') throw this.conflictWith(row, 'it is being deleted');
  }

  private conflictWith(row: DeploymentRow, why: string): ApiError {
    return new ApiError(409, `deployment ${row.name} cannot change now: ${why}`, {
      deployment: viewOf(row, undefined, this.deps.target),
    });
  }

  private async conflict(name: string, why: string, status: 409 = 409): Promise<ApiError> {
    const row = await this.deps.repository.find(name);
    if (!row) return new ApiError(status, `deployment ${name} cannot change now: ${why}`);
    return this.conflictWith(row, why);
  }

  /**
   * Compare-and-set on the generation read (a concurrent change makes this a 409 with the current state), then the
   * target is told. If the target refuses or cannot be reached, the record is put back: nothing half-applied.
   */
  private async change(
    row: DeploymentRow,
    changes: DeploymentChanges,
    event: NewDeploymentEvent,
  ): Promise<DeploymentRow> {
    const updated = await this.deps.repository.update(row.name, row.generation, changes, event, this.now());
    if (!updated) throw await this.conflict(row.name, 'it was changed by another request meanwhile');
    if (updated.phase !== 'ready' || updated.stableVersion === null) return updated;
    try {
      await this.deps.target.apply(specOf(updated, { withRollout: false }));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const {
        name: _name,
        generation: _generation,
        createdAt: _createdAt,
        updatedAt: _updatedAt,
        ...before
      } = row;
      await this.deps.repository.update(
        row.name,
        updated.generation,
        before,
        { action: 'failed', version: null, detail: `${event.action} undone: ${reason}` },
        this.now(),
      );
      const verb = event.action === 'rollback' ? 'roll back' : event.action;
      throw asApiError(error, `cannot ${verb} ${row.name}, nothing was changed`);
    }
    return updated;
  }

  /** Tells the target the serving versions and scaling after a rollout settled (a no-op locally when they serve). */
  private async applyServing(row: DeploymentRow): Promise<void> {
    if (row.stableVersion === null) return;
    await this.deps.target.apply(specOf(row, { withRollout: false }));
  }

  private async viewAfterChange(row: DeploymentRow): Promise<DeploymentView> {
    return viewOf(row, undefined, this.deps.target);
  }

  private async observe(rows: DeploymentRow[]): Promise<Map<string, TargetObservation>> {
    if (rows.length === 0) return new Map();
    try {
      return await this.deps.target.observe(rows.map((row) => specOf(row, { withRollout: false })));
    } catch (error) {
      throw asApiError(error, 'cannot read the deployments\u2019 status');
    }
  }

  /** A rollout whose deadline passed with no one in this process watching it (its replica stopped) is rolled back. */
  private async expireRollout(row: DeploymentRow): Promise<DeploymentRow> {
    if (row.phase !== 'deploying' || this.rollouts.has(row.name)) return row;
    if (row.rolloutDeadlineAt === null || this.now() < row.rolloutDeadlineAt) return row;
    return (
      (await this.finishFailed(
        row,
        `it did not become ready within ${Math.round(this.deps.settings.readyDeadlineMs / 1000)} s`,
      )) ?? row
    );
  }

  private startRollout(row: DeploymentRow): void {
    const run = this.watchRollout(row)
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, deployment: row.name }, 'rollout watcher failed'),
      )
      .finally(() => {
        if (this.rollouts.get(row.name) === run) this.rollouts.delete(row.name);
      });
    this.rollouts.set(row.name, run);
  }

  /** Brings the rollout's version up, then waits for it to serve, fail, or run out of time. */
  private async watchRollout(row: DeploymentRow): Promise<void> {
    const version = row.rolloutVersion!;
    const deadline = row.rolloutDeadlineAt!;
    const seconds = Math.round(this.deps.settings.readyDeadlineMs / 1000);
    const spec = { ...specOf(row), versions: [version] };
    let reason: string | null = null;
    const timeLeft = () => Math.max(0, deadline - this.now());
    const timedOut = Symbol('timed out');
    const stopped = Symbol('stopped');
    const signal = this.stopping.signal;
    try {
      const outcome = await Promise.race([
        this.deps.target.apply(specOf(row)),
        sleep(timeLeft(), timedOut, { ref: false }),
        new Promise<typeof stopped>((resolve) =>
          signal.addEventListener('abort', () => resolve(stopped), { once: true }),
        ),
      ]);
      if (outcome === stopped) return;
      if (outcome === timedOut) reason = `it did not become ready within ${seconds} s`;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    while (reason === null) {
      if (signal.aborted) return;
      const observed = (await this.deps.target.observe([spec])).get(row.name);
      if (observed?.readyVersions.includes(version)) {
        await this.finishReady(row);
        return;
      }
      if (observed?.state === 'failed') reason = observed.reason ?? 'it failed';
      else if (this.now() >= deadline)
        reason = `it did not become ready within ${seconds} s${observed?.reason ? ` (${observed.reason})` : ''}`;
      else
        await sleep(Math.min(this.deps.settings.pollIntervalMs, timeLeft() + 1), undefined, { signal }).catch(
          () => undefined,
        );
    }
    if (reason !== null) await this.finishFailed(row, reason);
  }

  private async finishReady(row: DeploymentRow): Promise<void> {
    const version = row.rolloutVersion!;
    const asCanary = row.rolloutCanaryPercent !== null;
    const detail = asCanary
      ? `version ${version} is ready and takes ${row.rolloutCanaryPercent}% of requests as a canary`
      : `version ${version} is ready and takes all requests`;
    const changes: DeploymentChanges = asCanary
      ? { canaryVersion: version, canaryPercent: row.rolloutCanaryPercent }
      : {
          stableVersion: version,
          previousVersion: row.stableVersion ?? row.previousVersion,
          canaryVersion: null,
          canaryPercent: null,
        };
    const updated = await this.deps.repository.update(
      row.name,
      row.generation,
      {
        ...changes,
        phase: 'ready',
        rolloutVersion: null,
        rolloutCanaryPercent: null,
        rolloutDeadlineAt: null,
        failureReason: null,
        message: detail,
        lastTransitionAt: this.now(),
      },
      { action: 'ready', version, detail },
      this.now(),
    );
    if (updated) {
      this.deps.logger.info({ deployment: row.name, version }, detail);
      await this.applyServing(updated).catch((error: unknown) =>
        this.deps.logger.warn(
          { err: error, deployment: row.name },
          'target did not take the new traffic split',
        ),
      );
    }
  }

  /** The rollout's version failed: traffic stays on (or returns to) the stable version, or the deployment failed. */
  private async finishFailed(row: DeploymentRow, why: string): Promise<DeploymentRow | null> {
    const version = row.rolloutVersion!;
    const failure = `version ${version} was not deployed: ${why}`;
    const fallback = row.stableVersion;
    const detail =
      fallback === null
        ? failure
        : `${failure}; rolled back: version ${fallback} keeps serving${row.canaryVersion ? ` (canary ${row.canaryVersion} too)` : ''}`;
    const updated = await this.deps.repository.update(
      row.name,
      row.generation,
      {
        phase: fallback === null ? 'failed' : 'ready',
        rolloutVersion: null,
        rolloutCanaryPercent: null,
        rolloutDeadlineAt: null,
        failureReason: failure,
        message: detail,
        lastTransitionAt: this.now(),
      },
      { action: fallback === null ? 'failed' : 'fallback', version: fallback ?? version, detail },
      this.now(),
    );
    if (updated) {
      this.deps.logger.warn({ deployment: row.name, version, reason: why }, detail);
      if (fallback !== null)
        await this.applyServing(updated).catch((error: unknown) =>
          this.deps.logger.warn({ err: error, deployment: row.name }, 'target did not take the roll back'),
        );
    }
    return updated;
  }
}

function asApiError(error: unknown, context: string): Error {
  if (error instanceof TargetError) return new ApiError(error.status, `${context}: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}
