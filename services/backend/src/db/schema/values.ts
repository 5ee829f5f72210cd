/** Enumerated column values shared by both dialects' schemas. */
export const imageStatuses = ['completed', 'failed'] as const;
export type ImageStatus = (typeof imageStatuses)[number];

export const runStatuses = ['completed', 'failed'] as const;

/** Why a blob is pending: an upload not committed yet, or the blob of a deleted image. */
export const blobPurposes = ['upload', 'delete'] as const;
export type BlobPurpose = (typeof blobPurposes)[number];

/** A video detection job: waiting, being worked on (under a lease), or finished one way or another. */
export const jobStates = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
/**
 * Where a deployment's lifecycle stands, as stored. `scaled_to_zero` is not stored: it is what a ready deployment
 * with no running replica looks like to the target.
 */
export const deploymentPhases = ['deploying', 'ready', 'failed', 'deleting'] as const;
export type DeploymentPhase = (typeof deploymentPhases)[number];

/** What happened to a deployment, one event per change in its history. */
export const deploymentActions = [
  'deploy',
  'scale',
  'canary',
  'promote',
  'rollback',
  'ready',
  'fallback',
  'failed',
  'delete',
] as const;
export type DeploymentAction = (typeof deploymentActions)[number];
