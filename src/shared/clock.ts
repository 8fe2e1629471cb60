/**
 * Time comes from a Clock so a week-long journey runs in a test in milliseconds through
 * the same code production uses. `sleepUntil` lets timer loops wait on the clock they
 * were given: a VirtualClock wakes them when a test advances it.
 */
export interface Clock {
  now(): number;
  /** Resolves when the clock reaches `at` (epoch ms) or the signal aborts. */
  sleepUntil(at: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil(at, signal) {
    return new Promise(resolve => {
      const ms = Math.max(0, at - Date.now());
      // Long sleeps are capped so timers survive clock adjustments and never overflow setTimeout.
      const t = setTimeout(done, Math.min(ms, 60_000));
      function done() { signal?.removeEventListener('abort', done); clearTimeout(t); resolve(); }
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

export class VirtualClock implements Clock {
  private waiters: { at: number; resolve: () => void }[] = [];
  constructor(private t: number = Date.parse('2026-01-01T00:00:00Z')) {}
  now() { return this.t; }
  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    if (at <= this.t || signal?.aborted) return Promise.resolve();
    return new Promise(resolve => {
      const w = { at, resolve };
      this.waiters.push(w);
      signal?.addEventListener('abort', () => { this.waiters = this.waiters.filter(x => x !== w); resolve(); }, { once: true });
    });
  }
  /** Moves time forward, waking every sleeper whose time has come. */
  advance(ms: number) { this.set(this.t + ms); }
  set(t: number) {
    this.t = Math.max(this.t, t);
    const due = this.waiters.filter(w => w.at <= this.t);
    this.waiters = this.waiters.filter(w => w.at > this.t);
    for (const w of due) w.resolve();
  }
}
