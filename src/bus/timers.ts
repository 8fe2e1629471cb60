import type { Db, Queryable } from '../store/index.ts';
import type { Clock } from '../shared/index.ts';
import { APPEND_LOCK } from './rows.ts';

/**
 * Durable timers. A timer is a row until it falls due; then one statement deletes it and
 * appends an internal `$timer` event for its profile to the log, so it fires exactly once,
 * survives restarts (a missed timer fires on recovery), and reaches the pipeline in order
 * with the profile's other events. The loop sleeps until the earliest due time (an index
 * lookup), never scanning the table.
 */
export interface TimerSpec {
  /** Deterministic, so scheduling the same timer twice keeps one row. */
  id: string;
  workspaceId: string;
  profileId: string;
  dueAt: number;
  kind: string;
  payload?: Record<string, unknown>;
}

export const TIMER_EVENT = '$timer';

/**
 * The earliest due time each transaction scheduled, whoever in it did: the processor hands it
 * to the timer loop after the commit, so the loop wakes for it without looking after every batch.
 */
const scheduledIn = new WeakMap<Queryable, number>();

/** The earliest due time scheduleTimers wrote through `q` (Infinity when none). */
export function earliestScheduled(q: Queryable): number { return scheduledIn.get(q) ?? Infinity; }

/** `earliest`: keep the sooner of the existing and the new due time; `replace`: the new one. */
export async function scheduleTimers(q: Queryable, timers: TimerSpec[], mode: 'earliest' | 'replace' = 'replace'): Promise<void> {
  if (!timers.length) return;
  let first = earliestScheduled(q);
  for (const t of timers) if (t.dueAt < first) first = t.dueAt;
  scheduledIn.set(q, first);
  await q.query(
    `insert into timers (id, workspace_id, profile_id, due_at, kind, payload)
     select x.id, x.w, x.p, to_timestamp(x.d / 1000.0), x.k, coalesce(x.pl, '{}'::jsonb)
       from jsonb_to_recordset($1::jsonb) as x(id text, w text, p text, d float8, k text, pl jsonb)
     on conflict (id) do update set due_at = ${mode === 'earliest' ? 'least(timers.due_at, excluded.due_at)' : 'excluded.due_at'},
       payload = ${mode === 'earliest' ? 'timers.payload' : 'excluded.payload'}`,
    [JSON.stringify(timers.map(t => ({ id: t.id, w: t.workspaceId, p: t.profileId, d: t.dueAt, k: t.kind, pl: t.payload ?? {} })))]);
}

export async function cancelTimers(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await q.query('delete from timers where id = any($1::text[])', [ids]);
}

/** Every timer of these profiles (a forgotten customer's). */
export async function cancelTimersOf(q: Queryable, profileIds: readonly string[]): Promise<void> {
  if (profileIds.length) await q.query('delete from timers where profile_id = any($1::text[])', [profileIds]);
}

const FIRE_SQL = `
  with serialised as materialized (select pg_advisory_xact_lock(${APPEND_LOCK}, hashtext(current_schema()))),
  due as (
    delete from timers where id in (select id from timers where due_at <= to_timestamp($1 / 1000.0) order by due_at limit $2)
    returning *
  )
  insert into events (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body)
  select d.workspace_id, 'timer:' || d.id || ':' || (extract(epoch from d.due_at) * 1000)::bigint, 'track', '${TIMER_EVENT}', 'internal',
         null, d.profile_id, d.due_at, to_timestamp($1 / 1000.0), 'internal',
         jsonb_build_object('properties', d.payload || jsonb_build_object('kind', d.kind, 'timerId', d.id),
                            'traits', '{}'::jsonb, 'context', jsonb_build_object('profileId', d.profile_id))
    from serialised, due d
  order by d.due_at
  on conflict (workspace_id, message_id) do nothing
  returning seq`;

export class TimerLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  /** When the loop sleeps, until when; null while it looks or fires. */
  private sleepingUntil: number | null = null;
  /** The earliest due time poked since the loop last looked at the table. */
  private poked = Infinity;

  /** `onFired` is told how many events the firing appended (the processor reads them from the log). */
  constructor(private db: Db, private clock: Clock, private onFired: (count: number) => void, private onError: (e: unknown) => void) {}

  start() { this.running = true; this.loop = this.run(); }

  async stop() { this.running = false; this.abort?.abort(); await this.loop; }

  /**
   * A timer due at `dueAt` was scheduled (by default: one may have been, look again). The loop
   * wakes only when that is sooner than it sleeps for, so a batch that scheduled nothing, or
   * only later timers, costs the loop nothing.
   */
  poke(dueAt = -Infinity) {
    if (dueAt < this.poked) this.poked = dueAt;
    if (this.sleepingUntil !== null && dueAt < this.sleepingUntil) this.abort?.abort();
  }

  private firing: Promise<number> = Promise.resolve(0);

  /**
   * Fires every timer due at `now`; returns how many. Calls queue behind each other, so a
   * caller that sees 0 knows every earlier firing has also told the processor.
   */
  fireDue(now?: number): Promise<number> {
    const run = this.firing.then(() => this.fire(now ?? this.clock.now()), () => this.fire(now ?? this.clock.now()));
    this.firing = run.catch(() => 0);
    return run;
  }

  private async fire(now: number): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.db.query(FIRE_SQL, [now, 1000]);
      total += rows.length;
      if (rows.length) this.onFired(rows.length);
      if (rows.length < 1000) return total;
    }
  }

  private async run() {
    while (this.running) {
      try {
        // Pokes from here on are seen: before the sleep, or by aborting it.
        this.poked = Infinity;
        // Look (an index probe) before firing, so a look that finds nothing due does not take
        // the append lock on the ingest path.
        const [{ next }] = await this.db.query<{ next: Date | null }>('select min(due_at) as next from timers');
        const now = this.clock.now();
        if (next && next.getTime() <= now) { await this.fireDue(now); continue; }
        // A stop() during the awaits above aborted no sleeper; without this check a virtual clock would sleep forever.
        if (!this.running) break;
        // Look again at least every second: another process may have added an earlier timer.
        const until = Math.min(next ? next.getTime() : Infinity, now + 1000);
        if (this.poked < until) continue;
        this.abort = new AbortController();
        this.sleepingUntil = until;
        try { await this.clock.sleepUntil(until, this.abort.signal); } finally { this.sleepingUntil = null; }
      } catch (e) {
        this.onError(e);
        await new Promise(r => setTimeout(r, 1000));
      }
    }
  }
}
