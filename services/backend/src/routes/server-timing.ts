import type { Context } from 'hono';
import { setMetric } from 'hono/timing';

/**
 * The `Server-Timing` phases of the routes that run the model (README, "Server-Timing"); `receive` (request body,
 * multipart parsing or URL fetch) is measured around the body by `uploadBodyLimit`, `total` by Hono's timing.
 */
export function reportTimings(
  c: Context,
  timings: { readMs?: number; validateMs?: number; modelMs: number; storeMs?: number },
): void {
  if (timings.readMs !== undefined) setMetric(c, 'read', timings.readMs, 'stored image read');
  if (timings.validateMs !== undefined) {
    setMetric(c, 'validate', timings.validateMs, 'probe, hash, duplicate check');
  }
  setMetric(c, 'model', timings.modelMs, 'model server round trip');
  if (timings.storeMs !== undefined) setMetric(c, 'store', timings.storeMs, 'blob write and transaction');
}
