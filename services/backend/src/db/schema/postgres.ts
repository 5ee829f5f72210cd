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
import {
  blobPurposes,
  deploymentActions,
  deploymentPhases,
  imageStatuses,
  jobStates,
  runStatuses,
} from './values.js';

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

/** An uploaded video: its blob and what ffprobe read from it. `id` is the SHA-256 of the bytes. */
export const videos = pgTable(
  'videos',
  {
    id: text('id').primaryKey(),
    filename: text('filename').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    storageKey: text('storage_key').notNull(),
    /** The annotated MP4, once `GET /videos/{id}/annotated` has generated it. */
    annotatedStorageKey: text('annotated_storage_key'),
    sourceUrl: text('source_url'),
    container: text('container').notNull(),
    codec: text('codec').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    fps: doublePrecision('fps').notNull(),
    durationSeconds: doublePrecision('duration_seconds').notNull(),
    frameCount: integer('frame_count').notNull(),
    createdAt: epochMs('created_at').notNull(),
  },
  (table) => [
    index('videos_created_at_id_idx').on(table.createdAt, table.id),
    uniqueIndex('videos_storage_key_idx').on(table.storageKey),
    uniqueIndex('videos_annotated_storage_key_idx').on(table.annotatedStorageKey),
  ],
);

/**
 * The durable queue: one detection job per video. A worker claims a `queued` job, or a `running` one whose lease
 * expired (its worker died), by setting `lease_owner` and `lease_expires_at`, and renews the lease while it works.
 */
export const videoJobs = pgTable(
  'video_jobs',
  {
    id: text('id').primaryKey(),
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    state: text('state', { enum: jobStates }).notNull(),
    model: text('model').notNull(),
    scoreThreshold: doublePrecision('score_threshold'),
    sampleFps: doublePrecision('sample_fps'),
    everyNthFrame: integer('every_nth_frame'),
    framesTotal: integer('frames_total').notNull(),
    framesDone: integer('frames_done').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: epochMs('lease_expires_at'),
    error: text('error'),
    createdAt: epochMs('created_at').notNull(),
    startedAt: epochMs('started_at'),
    finishedAt: epochMs('finished_at'),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (table) => [
    index('video_jobs_state_created_at_idx').on(table.state, table.createdAt),
    index('video_jobs_video_id_idx').on(table.videoId),
  ],
);

/**
 * One row per sampled frame of a video: the primary key (video, frame index) makes a frame written twice (a job
 * resumed after its worker died) one row. `objects` is the JSON array of the frame's detections.
 */
export const videoFrames = pgTable(
  'video_frames',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    frameIndex: integer('frame_index').notNull(),
    timestampMs: integer('timestamp_ms').notNull(),
    objects: text('objects').notNull(),
  },
  (table) => [
    primaryKey({ name: 'video_frames_pk', columns: [table.videoId, table.frameIndex] }),
    index('video_frames_video_id_timestamp_idx').on(table.videoId, table.timestampMs),
  ],
);

/** The tracks of a completed job: one row per track id, `path` the JSON array of its boxes with timestamps. */
export const videoTracks = pgTable(
  'video_tracks',
  {
    videoId: text('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    trackId: integer('track_id').notNull(),
    label: text('label').notNull(),
    firstMs: integer('first_ms').notNull(),
    lastMs: integer('last_ms').notNull(),
    framesSeen: integer('frames_seen').notNull(),
    bestScore: doublePrecision('best_score').notNull(),
    path: text('path').notNull(),
  },
  (table) => [primaryKey({ name: 'video_tracks_pk', columns: [table.videoId, table.trackId] })],
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
