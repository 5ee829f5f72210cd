import type { DeploymentEventRow, DeploymentRow } from '../db/records.js';
import type { TargetObservation, TrafficShare } from './deployment-target.js';
import { trafficOf } from './traffic.js';

export const deploymentStates = ['ready', 'scaled_to_zero', 'deploying', 'failed', 'deleting'] as const;
export type DeploymentState = (typeof deploymentStates)[number];

/** A deployment as the API shows it: the record, and what the target sees of it. */
export interface DeploymentView {
  name: string;
  model: string;
  target: 'local' | 'kubernetes';
  state: DeploymentState;
  versions: {
    stable: string | null;
    canary: string | null;
    rolling_out: string | null;
    previous: string | null;
  };
  traffic: TrafficShare[];
  replicas: { current: number | null; min: number; max: number; scaling: 'applies' | 'not_applicable' };
  target_concurrency: number;
  url: string | null;
  last_transition_time: string;
  failure_reason: string | null;
  message: string;
  generation: number;
  history?: Array<{ at: string; action: string; version: string | null; detail: string }>;
}

export function viewOf(
  row: DeploymentRow,
  observed: TargetObservation | undefined,
  target: { kind: 'local' | 'kubernetes'; scalingApplies: boolean },
  history?: DeploymentEventRow[],
): DeploymentView {
  let state: DeploymentState = row.phase;
  let failure = row.failureReason;
  if (row.phase === 'ready' && observed) {
    if (observed.state === 'scaled_to_zero') state = 'scaled_to_zero';
    else if (observed.state === 'progressing') state = 'deploying';
    else if (observed.state === 'failed' || observed.state === 'absent') {
      state = 'failed';
      failure = observed.reason;
    }
  }
  return {
    name: row.name,
    model: row.name,
    target: target.kind,
    state,
    versions: {
      stable: row.stableVersion,
      canary: row.canaryVersion,
      rolling_out: row.rolloutVersion,
      previous: row.previousVersion,
    },
    traffic: trafficOf(row),
    replicas: {
      current: observed?.replicas ?? null,
      min: row.minReplicas,
      max: row.maxReplicas,
      scaling: target.scalingApplies ? 'applies' : 'not_applicable',
    },
    target_concurrency: row.targetConcurrency,
    url: observed?.url ?? null,
    last_transition_time: new Date(row.lastTransitionAt).toISOString(),
    failure_reason: failure,
    message: row.message,
    generation: row.generation,
    ...(history && {
      history: history.map((event) => ({
        at: new Date(event.at).toISOString(),
        action: event.action,
        version: event.version,
        detail: event.detail,
      })),
    }),
  };
}
