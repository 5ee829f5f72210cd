import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export interface WorkLimit {
  /** Requests of this kind processed at once. */
  maxInFlight: number;
  /** Requests that may wait for a slot; beyond that a request is refused at once. */
  maxQueued: number;
  /** How long a request may wait for a slot before it is refused. */
  queueTimeoutMs: number;
}

/** What a refused client is told to wait before it tries again. */
const retryAfterSeconds = 1;

/**
 * Admission control for one kind of heavy request: at most `maxInFlight` run, at most `maxQueued` wait in a FIFO, and
 * the rest are refused with 503 and `Retry-After` at once. The slot is taken before the request body is read, so
 * a queued or refused request holds a socket but never its body.
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(
    readonly kind: string,
    private readonly limit: WorkLimit,
    private readonly metrics?: Metrics,
    private readonly logger?: Logger,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; throws a 503 {@link ApiError} when the queue is full, the wait times out or `signal` aborts. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.limit.maxInFlight) {
      this.active += 1;
      this.report();
      return this.releaser();
    }
    if (this.waiting.length >= this.limit.maxQueued) {
      throw this.refusal(
        'queue_full',
        `the server is busy: ${this.active} ${this.kind} in progress and ${this.waiting.length} waiting`,
      );
    }
    this.logger?.debug(
      { work: this.kind, in_flight: this.active, queued: this.waiting.length + 1 },
      `waiting for a free ${this.kind} slot`,
    );
    await new Promise<void>((resolve, reject) => {
      const entry = { grant: () => settle(resolve) };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              this.refusal(
                'queue_timeout',
                `the server is busy: no ${this.kind} slot was free within ${this.limit.queueTimeoutMs} ms`,
              ),
            ),
          ),
        this.limit.queueTimeoutMs,
      );
      const onAbort = () =>
        settle(() =>
          reject(new ApiError(503, `the client closed the connection while waiting for a ${this.kind} slot`)),
        );
      const settle = (then: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        this.report();
        then();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
      this.report();
    });
    return this.releaser();
  }

  /** Middleware that holds a slot while the rest of the request runs. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const release = await this.acquire(c.req.raw.signal);
      try {
        await next();
      } finally {
        release();
      }
    };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting[0];
      // The slot passes straight to the oldest waiter; `active` stays the same.
      if (next) next.grant();
      else this.active -= 1;
      this.report();
    };
  }

  private refusal(reason: 'queue_full' | 'queue_timeout', message: string): ApiError {
    this.metrics?.admissionRefused.inc({ work: this.kind, reason });
    this.logger?.info(
      { work: this.kind, reason, in_flight: this.active, queued: this.waiting.length },
      message,
    );
    return new ApiError(503, `${message}; retry in ${retryAfterSeconds} s`, {}, { retryAfterSeconds });
  }

  private report(): void {
    this.metrics?.admissionInFlight.set({ work: this.kind }, this.active);
    this.metrics?.admissionQueued.set({ work: this.kind }, this.waiting.length);
  }
}
