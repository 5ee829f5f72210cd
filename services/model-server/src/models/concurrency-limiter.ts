import { ModelBusyError } from '../errors.js';

export interface Slot {
  release(): void;
  /** Milliseconds spent waiting for the slot. */
  waitedMs: number;
}

/** At most `concurrency` holders at once, a FIFO of at most `maxQueued` waiters, 503 with Retry-After beyond that. */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly idleListeners: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly owner: string,
  ) {}

  /** Requests holding a slot (decoding, waiting for or in a session run). */
  get holders(): number {
    return this.active;
  }

  get inFlight(): number {
    return this.active + this.waiting.length;
  }

  async acquire(): Promise<Slot> {
    const started = performance.now();
    if (this.active < this.concurrency) {
      this.active += 1;
    } else {
      if (this.waiting.length >= this.maxQueued) {
        throw new ModelBusyError(
          `${this.owner} is busy: ${this.waiting.length} requests are already waiting; retry later`,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    let released = false;
    return {
      waitedMs: performance.now() - started,
      release: () => {
        if (released) return;
        released = true;
        this.releaseSlot();
      },
    };
  }

  /** Resolves once nothing holds or waits for a slot. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleListeners.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) {
      next();
      return;
    }
    this.active -= 1;
    if (this.active === 0) for (const listener of this.idleListeners.splice(0)) listener();
  }
}
