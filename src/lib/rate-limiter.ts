import type { Clock } from './clock.js';

export interface RateLimit {
  /** Attempts allowed per window. */
  readonly limit: number;
  readonly windowMs: number;
  /** Keys remembered at most; the least recently seen are forgotten first, so memory stays bounded. */
  readonly maxKeys: number;
}

export interface RateDecision {
  readonly isAllowed: boolean;
  /** Seconds until the key's window resets (0 when allowed). */
  readonly retryAfterSeconds: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * A fixed-window counter per key, in memory. Good enough for one process; a restart forgets the
 * counts, which errs towards letting people in. Uses the app clock so tests can move time.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly rule: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Counts one attempt for the key and says whether it is within the limit. */
  hit(key: string): RateDecision {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.rule.windowMs) window = { startedAt: now, count: 0 };
    window.count += 1;
    // Re-inserting moves the key to the end of the Map's order: the front is the least recently seen.
    this.windows.delete(key);
    this.windows.set(key, window);
    this.evictOverflow();
    if (window.count <= this.rule.limit) return { isAllowed: true, retryAfterSeconds: 0 };
    return { isAllowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.rule.windowMs - now) / 1000)) };
  }

  get size(): number {
    return this.windows.size;
  }

  private evictOverflow(): void {
    for (const key of this.windows.keys()) {
      if (this.windows.size <= this.rule.maxKeys) return;
      this.windows.delete(key);
    }
  }
}
