import { formatCount } from './format.js';

export type QueueStatus =
  | 'queued'
  | 'uploading'
  | 'detecting'
  | 'done'
  | 'duplicate'
  | 'failed'
  | 'cancelled';

/** One file of a batch upload. */
export interface QueueItem {
  id: number;
  name: string;
  status: QueueStatus;
  /** Share of the file's bytes sent, 0..1 (the model's work after that has no progress to report). */
  progress: number;
  /** The stored image: the new one, or the one a duplicate matched. */
  imageId: string | null;
  objectCount: number | null;
  /** Why it failed, in words. */
  error: string | null;
}

export const ACTIVE: ReadonlySet<QueueStatus> = new Set(['uploading', 'detecting']);
export const FINISHED: ReadonlySet<QueueStatus> = new Set(['done', 'duplicate', 'failed', 'cancelled']);

export const PARALLEL_UPLOADS = { min: 1, max: 6, default: 2 } as const;

/** The queued items to start now so that at most `limit` are in flight, in the order they were added. */
export function itemsToStart(items: readonly QueueItem[], limit: number): QueueItem[] {
  const active = items.filter((item) => ACTIVE.has(item.status)).length;
  const room = Math.max(0, limit - active);
  return items.filter((item) => item.status === 'queued').slice(0, room);
}

export interface QueueSummary {
  total: number;
  uploaded: number;
  duplicates: number;
  failed: number;
  cancelled: number;
  pending: number;
  failures: { name: string; reason: string }[];
}

export function summariseQueue(items: readonly QueueItem[]): QueueSummary {
  const count = (status: QueueStatus) => items.filter((item) => item.status === status).length;
  return {
    total: items.length,
    uploaded: count('done'),
    duplicates: count('duplicate'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    pending: items.filter((item) => !FINISHED.has(item.status)).length,
    failures: items
      .filter((item) => item.status === 'failed')
      .map((item) => ({ name: item.name, reason: item.error ?? 'unknown error' })),
  };
}

/** "5 files: 3 uploaded, 1 duplicate, 1 failed" (parts that are zero are left out, except "uploaded"). */
export function describeSummary(summary: QueueSummary): string {
  const parts = [`${summary.uploaded} uploaded`];
  if (summary.duplicates > 0) parts.push(formatCount(summary.duplicates, 'duplicate'));
  if (summary.failed > 0) parts.push(`${summary.failed} failed`);
  if (summary.cancelled > 0) parts.push(`${summary.cancelled} cancelled`);
  if (summary.pending > 0) parts.push(`${summary.pending} to go`);
  return `${formatCount(summary.total, 'file')}: ${parts.join(', ')}`;
}

/** Parallel uploads as the settings field gives it: a whole number within the allowed range. */
export function clampParallelUploads(value: number): number {
  if (!Number.isFinite(value)) return PARALLEL_UPLOADS.default;
  return Math.min(PARALLEL_UPLOADS.max, Math.max(PARALLEL_UPLOADS.min, Math.round(value)));
}
