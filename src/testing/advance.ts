import type { VirtualClock } from '../shared/index.ts';
import type { TestOmnis } from './omnis.ts';

/**
 * Moves the virtual clock to `at`, stopping at every due timer and queued message on the
 * way and settling there, so each fires at its own instant (as production would).
 */
export async function advanceTo(t: TestOmnis, at: number) {
  const clock = t.clock as VirtualClock;
  for (let i = 0; i < 10_000; i++) {
    const [{ next }] = await t.omnis.db.query<{ next: Date | null }>(
      `select least((select min(due_at) from timers), (select min(next_attempt_at) from messages where status = 'queued')) as next`);
    if (!next || next.getTime() > at) break;
    clock.set(Math.max(clock.now(), next.getTime()));
    await t.omnis.settle();
  }
  clock.set(Math.max(clock.now(), at));
  await t.omnis.settle();
}
