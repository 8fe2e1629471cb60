/** How fast the dispatcher goes: retry backoff and per-provider rate limits. */

export interface RetryOptions {
  /** First retry ceiling; default 30 000 ms. */
  baseMs: number;
  /** Growth per attempt; default 2. */
  factor: number;
  /** Ceiling of any one wait; default 3 600 000 ms (1 h). */
  capMs: number;
  /** Provider calls before a retryable failure becomes `dead`; default 8. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryOptions = { baseMs: 30_000, factor: 2, capMs: 3_600_000, maxAttempts: 8 };

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a uniform wait in [0, min(cap, base·factor^(attempt-1))], so many messages failing
 * together do not come back together. A provider's Retry-After is a floor: retrying earlier
 * only earns another 429.
 */
export function retryDelay(attempt: number, opts: RetryOptions, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * opts.factor ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * A token bucket per provider instance: `rate` tokens a second, holding at most
 * max(1, rate) so a quiet channel can burst one second's worth. In memory, so the limit is
 * per process: a cluster of N workers sends up to N·rate.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(readonly rate: number, now: number) {
    this.tokens = this.capacity;
    this.at = now;
  }
  private get capacity() { return Math.max(1, this.rate); }
  private refill(now: number) {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.rate);
      this.at = now;
    }
  }
  /** Takes a token, or returns when the next one will be there. */
  take(now: number): { ok: true } | { ok: false; at: number } {
    this.refill(now);
    // Epsilons keep float dust from refusing a token that is due, or adding a millisecond.
    if (this.tokens >= 1 - 1e-9) { this.tokens = Math.max(0, this.tokens - 1); return { ok: true }; }
    return { ok: false, at: now + Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000 - 1e-6)) };
  }
}
