import type { Clock } from './clock.ts';

/** What to do after a pass: run another at once, or sleep until `at` (a poke wakes it sooner). */
export type NextPass = { again: true } | { at: number };

/**
 * The background loop under the outbox dispatcher and the audience sync: passes never
 * overlap (runOnce queues behind a running pass), poke() wakes a sleeping loop, stop() ends
 * it, and sleeping is on the injected clock so a virtual clock drives it in tests. A stop or
 * poke that lands while the loop awaits is seen before it sleeps, so it never sleeps through one.
 */
export class WorkLoop<T> {
  private running = false;
  private poked = false;
  private sleeper: AbortController | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: {
    clock: Clock;
    pass: () => Promise<T>;
    /** Decides, from the pass's result (undefined when it threw), when the next pass runs. */
    next: (result: T | undefined) => Promise<NextPass>;
    onError: (err: unknown) => void;
  }) {}

  get isRunning() { return this.running; }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.poked = false;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper?.abort();
    await this.loopDone;
    await this.serial.catch(() => {});
  }

  poke(): void {
    this.poked = true;
    this.sleeper?.abort();
  }

  runOnce(): Promise<T> {
    const run = this.serial.then(() => this.opts.pass());
    this.serial = run.catch(() => {});
    return run;
  }

  private async loop() {
    while (this.running) {
      let result: T | undefined;
      try { result = await this.runOnce(); } catch (err) { this.opts.onError(err); }
      if (!this.running) break;
      if (this.poked) { this.poked = false; continue; }
      const next = await this.opts.next(result).catch((): NextPass => ({ at: this.opts.clock.now() + 1000 }));
      if (!this.running) break;
      if (this.poked) { this.poked = false; continue; }
      if ('again' in next) continue;
      this.sleeper = new AbortController();
      await this.opts.clock.sleepUntil(next.at, this.sleeper.signal);
      this.sleeper = null;
    }
  }
}
