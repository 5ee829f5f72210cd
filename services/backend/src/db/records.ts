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
export type DeploymentRow = typeof sqlite.deployments.$inferSelect;
export type DeploymentEventRow = typeof sqlite.deploymentEvents.$inferSelect;
export type {
  BlobPurpose,
  DeploymentAction,
  DeploymentPhase,
  ImageStatus,
} from './schema/values.js';
