import { OmnisError, type Clock } from '../shared/index.ts';

export interface ThrottleOptions {
  /** Failed sign-ins allowed per email within the window. Default 5. */
  maxFailures?: number;
  /** Default 15 minutes. */
  windowMs?: number;
}

/**
 * Slows password guessing: after `maxFailures` failed sign-ins for one email within the
 * window, further attempts for it are refused (429, Retry-After) without checking the
 * password, until the oldest failure leaves the window. Unknown emails count the same as
 * known ones, so the answer says nothing about which exist. Counts are per process: in
 * cluster mode each API process allows its own `maxFailures`.
 */
export class LoginThrottle {
  private failures = new Map<string, number[]>();
  private maxFailures: number;
  private windowMs: number;
  constructor(private clock: Clock, opts: ThrottleOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
  }

  private recent(email: string, now: number): number[] {
    const list = (this.failures.get(email) ?? []).filter(t => t > now - this.windowMs);
    if (list.length) this.failures.set(email, list); else this.failures.delete(email);
    return list;
  }

  /** Throws rate_limited while the email is locked out. */
  check(email: string): void {
    const now = this.clock.now();
    const list = this.recent(email, now);
    if (list.length < this.maxFailures) return;
    const retryAfter = Math.max(1, Math.ceil((list[list.length - this.maxFailures] + this.windowMs - now) / 1000));
    throw new OmnisError('rate_limited', `too many failed sign-ins for this email; try again in ${retryAfter} s`, undefined, { retryAfter });
  }

  fail(email: string): void {
    const now = this.clock.now();
    if (this.failures.size > 10_000) this.prune(now);
    this.failures.set(email, [...this.recent(email, now), now].slice(-this.maxFailures));
  }

  succeed(email: string): void { this.failures.delete(email); }

  private prune(now: number) {
    for (const email of [...this.failures.keys()]) this.recent(email, now);
    // Still full of live entries (a spray over many emails): forget the oldest half.
    if (this.failures.size > 10_000) for (const email of [...this.failures.keys()].slice(0, 5_000)) this.failures.delete(email);
  }
}
