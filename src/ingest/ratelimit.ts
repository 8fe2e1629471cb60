import type { Clock } from '../shared/index.ts';

/** Token bucket per key: `rate` events per second with a burst of two seconds' worth. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private clock: Clock) {}

  /** Takes `n` tokens; returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string, rate: number, n: number): number {
    const now = this.clock.now();
    const burst = rate * 2;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: burst, at: now }));
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    // A request is let through while the bucket is positive and may leave it in debt, so a
    // batch larger than the burst still passes once and then waits its turn.
    if (b.tokens > 0) { b.tokens -= n; return 0; }
    return Math.max(1, Math.ceil(-b.tokens / rate));
  }
}
