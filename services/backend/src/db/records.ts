import type * as sqlite from './schema/sqlite.js';

// The rows as the application sees them, the same for both dialects (schema-parity.test.ts checks that the
// PostgreSQL schema infers exactly these types).
export type ImageRow = typeof sqlite.images.$inferSelect;
export type NewImageRow = typeof sqlite.images.$inferInsert;
export type DetectionRunRow = typeof sqlite.detectionRuns.$inferSelect;
export type NewDetectionRunRow = typeof sqlite.detectionRuns.$inferInsert;
export type ObjectRow = typeof sqlite.objects.$inferSelect;
export type NewObjectRow = typeof sqlite.objects.$inferInsert;
export type PendingBlobRow = typeof sqlite.pendingBlobs.$inferSelect;
export type VideoRow = typeof sqlite.videos.$inferSelect;
export type NewVideoRow = typeof sqlite.videos.$inferInsert;
export type VideoJobRow = typeof sqlite.videoJobs.$inferSelect;
export type NewVideoJobRow = typeof sqlite.videoJobs.$inferInsert;
export type VideoFrameRow = typeof sqlite.videoFrames.$inferSelect;
export type VideoTrackRow = typeof sqlite.videoTracks.$inferSelect;
export type DeploymentRow = typeof sqlite.deployments.$inferSelect;
export type DeploymentEventRow = typeof sqlite.deploymentEvents.$inferSelect;
export type {
  BlobPurpose,
  DeploymentAction,
  DeploymentPhase,
  ImageStatus,
  JobState,
} from './schema/values.js';
