import { type AnySQLiteColumn, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const imageStatuses = ['completed', 'failed'] as const;
export type ImageStatus = (typeof imageStatuses)[number];

export const images = sqliteTable(
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
    currentRunId: text('current_run_id').references((): AnySQLiteColumn => detectionRuns.id, {
      onDelete: 'set null',
    }),
    createdAt: integer('created_at', { mode: 'number' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
  },
  (table) => [index('images_created_at_id_idx').on(table.createdAt, table.id)],
);

export const runStatuses = ['completed', 'failed'] as const;

export const detectionRuns = sqliteTable(
  'detection_runs',
  {
    id: text('id').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version'),
    scoreThreshold: real('score_threshold'),
    status: text('status', { enum: runStatuses }).notNull(),
    error: text('error'),
    objectCount: integer('object_count').notNull().default(0),
    attempts: integer('attempts').notNull(),
    inferenceMs: real('inference_ms').notNull(),
    createdAt: integer('created_at', { mode: 'number' }).notNull(),
  },
  (table) => [index('detection_runs_image_id_idx').on(table.imageId, table.createdAt)],
);

export const objects = sqliteTable(
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
    score: real('score').notNull(),
    xMin: integer('x_min').notNull(),
    yMin: integer('y_min').notNull(),
    xMax: integer('x_max').notNull(),
    yMax: integer('y_max').notNull(),
    centroidX: real('centroid_x').notNull(),
    centroidY: real('centroid_y').notNull(),
    radius: real('radius').notNull(),
    rank: integer('rank').notNull(),
  },
  (table) => [
    index('objects_image_id_rank_idx').on(table.imageId, table.rank),
    index('objects_run_id_idx').on(table.runId),
  ],
);

export type ImageRow = typeof images.$inferSelect;
export type NewImageRow = typeof images.$inferInsert;
export type DetectionRunRow = typeof detectionRuns.$inferSelect;
export type NewDetectionRunRow = typeof detectionRuns.$inferInsert;
export type ObjectRow = typeof objects.$inferSelect;
export type NewObjectRow = typeof objects.$inferInsert;
