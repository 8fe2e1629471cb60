import type { Db, Queryable } from '../store/index.ts';
import type { Clock, StoredEvent } from '../shared/index.ts';

/**
 * Durable timers. A timer is a row until it falls due; then the pipeline deletes it in the
 * transaction that runs it through the stages as an internal `$timer` event for its profile
 * (see Processor.fireTimers), so it fires exactly once, survives restarts (a missed timer
 * fires on recovery), and is processed in turn with the profile's other events. The loop
 * here only decides when: it sleeps until the earliest due time (an index lookup), never
 * scanning the table.
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

/** How many timers are due at `now` and not fired yet: the pipeline's timer backlog (counted up to `cap`). */
export async function countDueTimers(q: Queryable, now: number, cap = 100_000): Promise<number> {
  const [{ n }] = await q.query<{ n: number }>(
    'select count(*)::int as n from (select 1 from timers where due_at <= to_timestamp($1 / 1000.0) limit $2) d', [now, cap]);
  return n;
}

export async function cancelTimers(q: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await q.query('delete from timers where id = any($1::text[])', [ids]);
}

/** Every timer of these profiles (a forgotten customer's). */
export async function cancelTimersOf(q: Queryable, profileIds: readonly string[]): Promise<void> {
  if (profileIds.length) await q.query('delete from timers where profile_id = any($1::text[])', [profileIds]);
}

/**
 * Takes up to `limit` timers due at `now` (only the one with id `only`, when given) for the
 * pipeline's transaction: deleted there, so they fire exactly once when it commits, and come
 * back if it rolls back. Skip locked: a second pipeline process firing at the same moment takes
 * the next ones instead of waiting. Each gets a seq of the log's sequence, unique among events,
 * although no row of the log is written for it. The sequence is named as PostgreSQL names an
 * identity column's (resolved once, when the statement is planned): looked up with
 * pg_get_serial_sequence, the lookup ran for every row, a third of the statement's time.
 */
export async function takeDueTimers(q: Queryable, now: number, limit: number, only?: string): Promise<TimerRow[]> {
  return q.query<TimerRow>(
    `with due as (
       delete from timers where id in (select id from timers where due_at <= to_timestamp($1 / 1000.0) and ($3::text is null or id = $3)
                                       order by due_at limit $2 for update skip locked)
       returning *
     )
     select nextval('events_seq_seq'::regclass)::float8 as seq, d.* from (select * from due order by due_at, id) d`,
    [now, limit, only ?? null]);
}

export interface TimerRow { seq: number; id: string; workspace_id: string; profile_id: string; due_at: Date; kind: string; payload: Record<string, unknown> }

/**
 * A fired timer as the pipeline's stages see it: an internal `$timer` event pinned to its
 * profile. It lives only in the transaction that fired it: neither the log nor the profile's
 * event history holds it, since it is Omnis's bookkeeping, not something the customer did.
 */
export function timerEvent(r: TimerRow, now: number): StoredEvent & { workspaceId: string } {
  const due = r.due_at.getTime();
  return {
    seq: r.seq, workspaceId: r.workspace_id, messageId: `timer:${r.id}:${due}`, type: 'track', event: TIMER_EVENT, channel: 'internal',
    userId: null, anonymousId: r.profile_id, timestamp: due, receivedAt: now, sourceId: 'internal', profileId: null,
    properties: { ...r.payload, kind: r.kind, timerId: r.id }, traits: {}, context: { profileId: r.profile_id }, previousId: null, groupId: null,
  };
}

/** A fired timer (see timerEvent): kept out of the log and out of profile histories. */
export const isTimerEvent = (e: { event: string | null; sourceId: string | null }) => e.event === TIMER_EVENT && e.sourceId === 'internal';

export class TimerLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private abort: AbortController | null = null;
  /** When the loop sleeps, until when; null while it looks or fires. */
  private sleepingUntil: number | null = null;
  /** The earliest due time poked since the loop last looked at the table. */
  private poked = Infinity;

  /** `fireAt` fires every timer due at the time it is given (the processor's fireTimers) and tells how many it fired. */
  constructor(private db: Db, private clock: Clock, private fireAt: (now: number) => Promise<number>, private onError: (e: unknown) => void) {}

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
   * Fires every timer due at `now` and resolves, once what they did has committed, with how
   * many. Calls queue behind each other, so a caller that sees 0 knows every earlier firing is done.
   */
  fireDue(now?: number): Promise<number> {
    const run = this.firing.then(() => this.fireAt(now ?? this.clock.now()), () => this.fireAt(now ?? this.clock.now()));
    this.firing = run.catch(() => 0);
    return run;
  }

  private async run() {
    while (this.running) {
      try {
        // Pokes from here on are seen: before the sleep, or by aborting it.
        this.poked = Infinity;
        // Look (an index probe) before firing, so a look that finds nothing due costs the pipeline no turn.
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
