import type { DeploymentAction, DeploymentEventRow, DeploymentRow } from './records.js';

/** The columns a change may set; `generation`, `updatedAt` and `name` are the repository's to keep. */
export type DeploymentChanges = Partial<
  Omit<DeploymentRow, 'name' | 'generation' | 'createdAt' | 'updatedAt'>
>;

export interface NewDeploymentEvent {
  action: DeploymentAction;
  version: string | null;
  detail: string;
}

/**
 * Deployment records: desired state, the previous good version, and history. Every change is compare-and-set on
 * `generation`, so two replicas (or two requests) changing one deployment at once cannot both win; the loser gets
 * `null` and answers 409 with the current record.
 */
export interface DeploymentRepository {
  /** Every deployment, by name. */
  list(): Promise<DeploymentRow[]>;
  find(name: string): Promise<DeploymentRow | null>;
  /** Inserts a deployment at generation 1 with its first event; null when one of that name exists. */
  create(row: Omit<DeploymentRow, 'generation'>, event: NewDeploymentEvent): Promise<DeploymentRow | null>;
  /**
   * Applies `changes` (and records `event`) if the deployment is still at `expectedGeneration`; the updated row,
   * or null when it changed or disappeared meanwhile.
   */
  update(
    name: string,
    expectedGeneration: number,
    changes: DeploymentChanges,
    event: NewDeploymentEvent,
    now: number,
  ): Promise<DeploymentRow | null>;
  /** Removes the deployment (and its history) if still at `expectedGeneration`. */
  remove(name: string, expectedGeneration: number): Promise<boolean>;
  /** The latest `limit` events, oldest first. */
  history(name: string, limit: number): Promise<DeploymentEventRow[]>;
}
