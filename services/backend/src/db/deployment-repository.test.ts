import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, dialects, openTestDatabase } from '../../test/support/database.js';
import { makeTempDir } from '../../test/support/temp-dir.js';
import type { Database } from './database.js';
import type { DeploymentRow } from './records.js';

const t0 = 1_800_000_000_000;

function newDeployment(name: string): Omit<DeploymentRow, 'generation'> {
  return {
    name,
    phase: 'deploying',
    stableVersion: null,
    canaryVersion: null,
    canaryPercent: null,
    previousVersion: null,
    rolloutVersion: '1',
    rolloutCanaryPercent: null,
    rolloutDeadlineAt: t0 + 60_000,
    minReplicas: 0,
    maxReplicas: 3,
    targetConcurrency: 4,
    failureReason: null,
    message: 'deploying version 1',
    createdAt: t0,
    updatedAt: t0,
    lastTransitionAt: t0,
  };
}

describe.each(dialects)('DeploymentRepository on %s', (dialect) => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = await makeTempDir(`backend-deployments-${dialect}-`);
    database = await openTestDatabase(dialect, dir);
  });
  afterAll(async () => {
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('Should create a deployment at generation 1 with its first event, and refuse a second of that name', async () => {
    const event = { action: 'deploy' as const, version: '1', detail: 'deploy version 1' };
    const created = await database.deployments.create(newDeployment('face'), event);
    expect(created).toMatchObject({ name: 'face', phase: 'deploying', generation: 1, rolloutVersion: '1' });
    expect(await database.deployments.create(newDeployment('face'), event)).toBeNull();
    expect(await database.deployments.find('face')).toEqual(created);
    expect(await database.deployments.history('face', 10)).toMatchObject([
      { action: 'deploy', version: '1', detail: 'deploy version 1', at: t0 },
    ]);
  });

  it('Should apply a change only at the expected generation, recording the event with it', async () => {
    const ready = await database.deployments.update(
      'face',
      1,
      { phase: 'ready', stableVersion: '1', rolloutVersion: null, rolloutDeadlineAt: null },
      { action: 'ready', version: '1', detail: 'version 1 is ready' },
      t0 + 5_000,
    );
    expect(ready).toMatchObject({ phase: 'ready', stableVersion: '1', generation: 2, updatedAt: t0 + 5_000 });
    const stale = await database.deployments.update(
      'face',
      1,
      { phase: 'failed' },
      { action: 'failed', version: '1', detail: 'lost the race' },
      t0 + 6_000,
    );
    expect(stale).toBeNull();
    expect((await database.deployments.find('face'))?.phase).toBe('ready');
    expect((await database.deployments.history('face', 10)).map((e) => e.action)).toEqual([
      'deploy',
      'ready',
    ]);
    expect(
      await database.deployments.update('nobody', 1, {}, { action: 'scale', version: null, detail: '' }, t0),
    ).toBeNull();
  });

  it('Should let exactly one of two concurrent changes at one generation through', async () => {
    const changes = ['2', '3'].map((version) =>
      database.deployments.update(
        'face',
        2,
        { phase: 'deploying', rolloutVersion: version },
        { action: 'deploy', version, detail: `deploy version ${version}` },
        t0 + 7_000,
      ),
    );
    const results = await Promise.all(changes);
    expect(results.filter((row) => row !== null)).toHaveLength(1);
    expect((await database.deployments.find('face'))?.generation).toBe(3);
    expect(await database.deployments.history('face', 10)).toHaveLength(3);
  });

  it('Should return the latest events oldest first, and list deployments by name', async () => {
    await database.deployments.create(newDeployment('cars'), { action: 'deploy', version: '1', detail: 'x' });
    expect((await database.deployments.list()).map((row) => row.name)).toEqual(['cars', 'face']);
    const lastTwo = await database.deployments.history('face', 2);
    expect(lastTwo.map((e) => e.action)).toEqual(['ready', 'deploy']);
  });

  it('Should remove a deployment and its history only at the expected generation', async () => {
    expect(await database.deployments.remove('face', 1)).toBe(false);
    expect(await database.deployments.remove('face', 3)).toBe(true);
    expect(await database.deployments.find('face')).toBeNull();
    expect(await database.deployments.history('face', 10)).toEqual([]);
    expect(await countRows(database, 'deployment_events')).toBe(1);
  });
});
