import {
  type AnyPgColumn,
  bigint,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { blobPurposes, deploymentActions, deploymentPhases, imageStatuses, runStatuses } from './values.js';

// Kept in step with ./sqlite.ts (schema-parity.test.ts compares them). Times are epoch milliseconds (bigint),
// SQLite's REAL is double precision.

const epochMs = (name: string) => bigint(name, { mode: 'number' });

export const images = pgTable(
  'images',
  {
    id: text('id').primaryKey(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    storageKey: text('storage_key').notNull(),
    sourceUrl: text('source_url'),
    status: text('status', { enum: imageStatuses }).notNull(),
    error: text('error'),
    currentRunId: text('current_run_id').references((): AnyPgColumn => detectionRuns.id, {
      onDelete: 'set null',
    }),
    createdAt: epochMs('created_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (table) => [
    index('images_created_at_id_idx').on(table.createdAt, table.id),
    index('images_status_created_at_id_idx').on(table.status, table.createdAt, table.id),
    index('images_current_run_id_idx').on(table.currentRunId),
    uniqueIndex('images_storage_key_idx').on(table.storageKey),
  ],
);

export const detectionRuns = pgTable(
  'detection_runs',
  {
    id: text('id').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version'),
    scoreThreshold: doublePrecision('score_threshold'),
    status: text('status', { enum: runStatuses }).notNull(),
    error: text('error'),
    objectCount: integer('object_count').notNull().default(0),
    attempts: integer('attempts').notNull(),
    inferenceMs: doublePrecision('inference_ms').notNull(),
    createdAt: epochMs('created_at').notNull(),
  },
  (table) => [index('detection_runs_image_id_idx').on(table.imageId, table.createdAt)],
);

export const objects = pgTable(
  'objects',
  {
    id: text('id').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    runId: text('run_id')
      .notNull()
      .references(() => detectionRuns.id, { onDelete: 'cascade' }),
    classId: integer('class_id').notNull(),
    label: text('label').notNull(),
    score: doublePrecision('score').notNull(),
    xMin: integer('x_min').notNull(),
    yMin: integer('y_min').notNull(),
    xMax: integer('x_max').notNull(),
    yMax: integer('y_max').notNull(),
    centroidX: doublePrecision('centroid_x').notNull(),
    centroidY: doublePrecision('centroid_y').notNull(),
    radius: doublePrecision('radius').notNull(),
    rank: integer('rank').notNull(),
  },
  (table) => [
    index('objects_image_id_rank_idx').on(table.imageId, table.rank),
    index('objects_run_id_idx').on(table.runId),
  ],
);

export const imageLabels = pgTable(
  'image_labels',
  {
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    objectCount: integer('object_count').notNull(),
    createdAt: epochMs('created_at').notNull(),
  },
  (table) => [
    primaryKey({ name: 'image_labels_pk', columns: [table.imageId, table.label] }),
    index('image_labels_label_created_at_idx').on(table.label, table.createdAt, table.imageId),
  ],
);

export const labelCounts = pgTable('label_counts', {
  label: text('label').primaryKey(),
  imageCount: integer('image_count').notNull(),
  objectCount: integer('object_count').notNull(),
});

export const imageStatusCounts = pgTable('image_status_counts', {
  status: text('status', { enum: imageStatuses }).primaryKey(),
  imageCount: integer('image_count').notNull(),
});

export const pendingBlobs = pgTable(
  'pending_blobs',
  {
    storageKey: text('storage_key').primaryKey(),
    purpose: text('purpose', { enum: blobPurposes }).notNull(),
    owner: text('owner').notNull(),
    token: text('token').notNull(),
    createdAt: epochMs('created_at').notNull(),
    dueAt: epochMs('due_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (table) => [index('pending_blobs_due_at_idx').on(table.dueAt)],
);

export const deployments = pgTable('deployments', {
  name: text('name').primaryKey(),
  phase: text('phase', { enum: deploymentPhases }).notNull(),
  stableVersion: text('stable_version'),
  canaryVersion: text('canary_version'),
  canaryPercent: integer('canary_percent'),
  previousVersion: text('previous_version'),
  rolloutVersion: text('rollout_version'),
  rolloutCanaryPercent: integer('rollout_canary_percent'),
  rolloutDeadlineAt: epochMs('rollout_deadline_at'),
  minReplicas: integer('min_replicas').notNull(),
  maxReplicas: integer('max_replicas').notNull(),
  targetConcurrency: integer('target_concurrency').notNull(),
  failureReason: text('failure_reason'),
  message: text('message').notNull(),
  generation: integer('generation').notNull(),
  createdAt: epochMs('created_at').notNull(),
  updatedAt: epochMs('updated_at').notNull(),
  lastTransitionAt: epochMs('last_transition_at').notNull(),
});

export const deploymentEvents = pgTable(
  'deployment_events',
  {
    id: text('id').primaryKey(),
    deploymentName: text('deployment_name')
      .notNull()
      .references(() => deployments.name, { onDelete: 'cascade' }),
    action: text('action', { enum: deploymentActions }).notNull(),
    version: text('version'),
    detail: text('detail').notNull(),
    at: epochMs('at').notNull(),
  },
  (table) => [index('deployment_events_deployment_name_at_idx').on(table.deploymentName, table.at)],
);
