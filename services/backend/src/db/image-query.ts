import { type AnyColumn, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { ImageFilter, ImageQuery, ImageWithRun } from './image-repository.js';
import type { DetectionRunRow, ImageRow } from './records.js';

/** The columns that order a listing newest first: `images` itself, or `image_labels` for a label. */
export interface ListingColumns {
  createdAt: AnyColumn;
  id: AnyColumn;
}

/**
 * The time range and cursor of a listing. The cursor is a row-value comparison, which both SQLite and PostgreSQL
 * use as the bound of an index range on (created_at, id); the equivalent `a < ? OR (a = ? AND b < ?)` is not.
 */
export function rangeConditions(columns: ListingColumns, query: ImageFilter & Partial<ImageQuery>): SQL[] {
  const conditions: SQL[] = [];
  if (query.createdAfter !== undefined) conditions.push(gte(columns.createdAt, query.createdAfter));
  if (query.createdBefore !== undefined) conditions.push(lt(columns.createdAt, query.createdBefore));
  if (query.after)
    conditions.push(
      sql`(${columns.createdAt}, ${columns.id}) < (${query.after.createdAt}, ${query.after.id})`,
    );
  return conditions;
}

export const hasRange = (filter: ImageFilter) =>
  filter.createdAfter !== undefined || filter.createdBefore !== undefined;

/** The run shown with each image: its current run, or for an image without one its latest (failed) attempt. */
export function withRuns(
  page: ImageRow[],
  currentRuns: DetectionRunRow[],
  latestRuns: Array<DetectionRunRow | null>,
): ImageWithRun[] {
  const byId = new Map(currentRuns.map((run) => [run.id, run]));
  const withoutCurrent = page.filter((image) => image.currentRunId === null);
  const latest = new Map(withoutCurrent.map((image, i) => [image.id, latestRuns[i] ?? null]));
  return page.map((image) => {
    const run = image.currentRunId ? (byId.get(image.currentRunId) ?? null) : (latest.get(image.id) ?? null);
    return { image, run, objectCount: image.currentRunId && run ? run.objectCount : 0 };
  });
}

/** Splits `limit + 1` rows into a page and the cursor of the next one. */
export function toPage<T extends { createdAt: number; id: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}
