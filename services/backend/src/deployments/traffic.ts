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

/** Picks the version of one request by the split (`random` in [0, 1)). */
export function pickVersion(traffic: TrafficShare[], random: number): string | undefined {
  let threshold = random * 100;
  for (const share of traffic) {
    if (threshold < share.percent) return share.version;
    threshold -= share.percent;
  }
  return traffic.at(-1)?.version;
}
