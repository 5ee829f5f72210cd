import { setTimeout as sleep } from 'node:timers/promises';

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * fetch that waits out a cold or restarting endpoint (connection refused, 502/503/504, e.g. a model scaled to
 * zero on Knative) with jittered exponential backoff until `deadlineMs` after the first try.
 */
export async function fetchWithRetry(
  url: string,
  init: () => RequestInit,
  options: { deadlineMs: number; requestTimeoutMs: number },
): Promise<Response> {
  const deadline = Date.now() + options.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    let failure: string;
    try {
      const response = await fetch(url, { ...init(), signal: AbortSignal.timeout(options.requestTimeoutMs) });
      if (!RETRYABLE_STATUS.has(response.status)) return response;
      failure = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      failure = cause?.code ?? (error as Error).message;
    }
    const wait = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
    if (Date.now() + wait > deadline) {
      throw new Error(
        `${url} did not answer within ${Math.round(options.deadlineMs / 1000)} s (last: ${failure})`,
      );
    }
    await sleep(wait);
  }
}
