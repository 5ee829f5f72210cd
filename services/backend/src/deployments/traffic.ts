import { createHash } from 'node:crypto';
import type { DeploymentRow } from '../db/records.js';
import type { TargetSpec, TrafficShare } from './deployment-target.js';

/** The versions that take requests now: the stable one and a canary with its share. */
export function trafficOf(row: DeploymentRow): TrafficShare[] {
  if (row.stableVersion === null) return [];
  if (row.canaryVersion === null || row.canaryPercent === null)
    return [{ version: row.stableVersion, percent: 100 }];
  return [
    { version: row.stableVersion, percent: 100 - row.canaryPercent },
    { version: row.canaryVersion, percent: row.canaryPercent },
  ];
}

/** What the target must run for a record: the serving versions plus a version being rolled out (no traffic yet). */
export function specOf(
  row: DeploymentRow,
  options: { withRollout: boolean } = { withRollout: true },
): TargetSpec {
  const traffic = trafficOf(row);
  const versions = traffic.map((share) => share.version);
  if (options.withRollout && row.rolloutVersion !== null && !versions.includes(row.rolloutVersion))
    versions.push(row.rolloutVersion);
  return {
    name: row.name,
    versions,
    traffic,
    minReplicas: row.minReplicas,
    maxReplicas: row.maxReplicas,
    targetConcurrency: row.targetConcurrency,
  };
}

/**
 * A client's place in a deployment's split, in [0, 100): the first four bytes of SHA-256 of the deployment's name
 * and the client's key. The same client gets the same place (so the same version) on every replica and restart;
 * the name makes a client's place independent from one model to another.
 */
export function bucketOf(deployment: string, clientKey: string): number {
  return createHash('sha256').update(`${deployment}\0${clientKey}`).digest().readUInt32BE(0) % 100;
}

/**
 * The version at `point` in [0, 100) of the split, the stable version's share first: a canary takes the top
 * `percent` places, so raising its share keeps the clients it already had.
 */
export function pickVersion(traffic: TrafficShare[], point: number): string | undefined {
  let threshold = point;
  for (const share of traffic) {
    if (threshold < share.percent) return share.version;
    threshold -= share.percent;
  }
  return traffic.at(-1)?.version;
}
