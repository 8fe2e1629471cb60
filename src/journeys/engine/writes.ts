import type { Tx } from '../../store/index.ts';
import { newId } from '../../shared/index.ts';
import { cancelTimers, scheduleTimers, type TimerSpec } from '../../bus/index.ts';
import { JOURNEY_TIMER, type TrailEntry, type Outbox, type OutboxInput, type Run, type StepOutbox, type TimerPayload } from './types.ts';
import { runKey } from './runs.ts';

/**
 * A run's trail is capped: when a save would take it past `cap` entries, the oldest are folded
 * into trail_tally (per step: times entered, times left) and the newest half of the cap is kept,
 * so a trim happens once every cap/2 entries, not on every save. A null cap keeps every entry
 * (the simulator, whose timeline is the whole trail). Written in the upsert itself: the engine
 * never reads trails back.
 */
export const TRAIL_CAP = 200;
const ALL = 'journey_runs.trail || excluded.trail';
const LEN = `(jsonb_array_length(journey_runs.trail) + jsonb_array_length(excluded.trail))`;
const OVER = `$2::int is not null and ${LEN} > $2::int`;
/** Entries of the joined trail numbered from 1, oldest first. */
const NUMBERED = `jsonb_array_elements(${ALL}) with ordinality t(e, n)`;
const KEPT = `n > ${LEN} - $2::int / 2`;
const UPSERT_TRAIL = `
  trail = case when ${OVER} then (select coalesce(jsonb_agg(e order by n), '[]') from ${NUMBERED} where ${KEPT}) else ${ALL} end,
  trail_tally = case when ${OVER} then (
    select jsonb_object_agg(s, jsonb_build_array(en, le)) from (
      select s, sum(en)::int as en, sum(le)::int as le from (
        select key as s, (value->>0)::int as en, (value->>1)::int as le from jsonb_each(coalesce(journey_runs.trail_tally, '{}'))
        union all
        select e->>0, (e->>1 = 'entered')::int, (e->>1 = 'left')::int from ${NUMBERED} where not (${KEPT})
      ) u group by s) g)
    else journey_runs.trail_tally end`;

/** The runs of $1 as they stand, their trails appended to (capped at $2, see TRAIL_CAP). */
const UPSERT_RUNS_SQL = `insert into journey_runs (id, workspace_id, journey_id, version, profile_id, status, step, waiting, path, holdout, entered_at, goal_until, ended_at, end_reason, converted_at, revenue, trail)
  select x.id, x.w, x.j, x.v, x.p, x.s, x.step, x.waiting, x.path, x.holdout, x.e, x.g, x."end", x.reason, x.conv, x.rev, x.trail
    from jsonb_to_recordset($1::jsonb) as x(id text, w text, j text, v int, p text, s text, step text, waiting jsonb, path text, holdout boolean,
         e timestamptz, g timestamptz, "end" timestamptz, reason text, conv timestamptz, rev float8, trail jsonb)
  on conflict (id) do update set profile_id = excluded.profile_id, status = excluded.status, step = excluded.step, waiting = excluded.waiting,
    path = excluded.path, holdout = excluded.holdout, goal_until = excluded.goal_until, ended_at = excluded.ended_at, end_reason = excluded.end_reason,
    converted_at = excluded.converted_at, revenue = excluded.revenue, ${UPSERT_TRAIL}`;

/** Adds the transitions counted in $3 to journey_step_counts. */
const ADD_COUNTS_SQL = `insert into journey_step_counts (workspace_id, journey_id, step_id, entered, "left")
  select x.w, x.j, x.s, x.en, x.le from jsonb_to_recordset($3::jsonb) as x(w text, j text, s text, en int, le int)
  on conflict (journey_id, step_id) do update set entered = journey_step_counts.entered + excluded.entered, "left" = journey_step_counts."left" + excluded."left"`;

const later = (a: Run, b: Run) => a.enteredAt > b.enteredAt || (a.enteredAt === b.enteredAt && a.id > b.id);
const t = (v: number | null) => (v === null ? null : new Date(v).toISOString());


/**
 * The run rows and timers one pipeline batch writes, gathered and written in a few statements
 * when the journey stage is done with the batch, instead of a statement per transition. A run
 * is written as it stands at the end (the last of its saves), with the steps it took in the
 * batch appended to its trail in the same statement, in order. Reads within the batch that
 * must see these go through `latest`. Nothing reads the timers table within a batch, so
 * timers only need their last word: scheduled or cancelled.
 */
export class JourneyWrites {
  private runs = new Map<string, Run>();
  /** The newest run saved per profile and journey, for re-entry rules. */
  private newest = new Map<string, Run>();
  /** Trail entries taken in this batch, per run id, in order. */
  private steps = new Map<string, TrailEntry[]>();
  /** The same transitions counted per journey and step, for journey_step_counts. */
  private counts = new Map<string, { w: string; j: string; s: string; en: number; le: number }>();
  private timers = new Map<string, TimerSpec>();
  /** Timers cancelled in this batch that earlier batches may have written. */
  private cancelled = new Set<string>();

  constructor(private trailCap: number | null = TRAIL_CAP) {}

  /** A timer of the run's, due at `dueAt`; its payload says what it is for. */
  timer(run: Run, id: string, dueAt: number, what: TimerPayload['what'], extra: Pick<TimerPayload, 'membershipId'> = {}) {
    this.cancelled.delete(id);
    this.timers.set(id, { id, workspaceId: run.workspaceId, profileId: run.profileId, dueAt, kind: JOURNEY_TIMER,
      payload: { kind: JOURNEY_TIMER, what, runId: run.id, timerId: id, ...extra } satisfies TimerPayload });
  }

  cancelTimer(id: string) {
    this.timers.delete(id);
    this.cancelled.add(id);
  }

  run(r: Run) {
    this.runs.set(r.id, r);
    const k = runKey(r.profileId, r.journeyId);
    const cur = this.newest.get(k);
    if (!cur || later(r, cur)) this.newest.set(k, r);
  }

  /** A transition of the run's; the run is saved with it. */
  step(r: Run, stepId: string, action: 'entered' | 'left', at: number, detail: string | null = null) {
    let trail = this.steps.get(r.id);
    if (!trail) this.steps.set(r.id, (trail = []));
    trail.push(detail === null ? [stepId, action, at] : [stepId, action, at, detail]);
    const k = `${r.journeyId}\u0000${stepId}`;
    let c = this.counts.get(k);
    if (!c) this.counts.set(k, (c = { w: r.workspaceId, j: r.journeyId, s: stepId, en: 0, le: 0 }));
    if (action === 'entered') c.en++; else c.le++;
    this.run(r);
  }

  /** A message queued under a chosen id turned out to exist already under `to` (a replay): runs waiting on it follow. */
  renameMessage(from: string, to: string) {
    for (const r of this.runs.values()) if (r.waiting && 'messageId' in r.waiting && r.waiting.messageId === from) r.waiting = { ...r.waiting, messageId: to };
  }

  /** A run saved in this batch, by id. */
  byId(id: string): Run | undefined { return this.runs.get(id); }

  /** The later of `stored` (the database's latest run of the journey for the profile) and the runs this batch saved for them. */
  latest(stored: Run | null, profileId: string, journeyId: string): Run | null {
    const mine = stored ? this.runs.get(stored.id) ?? stored : null;
    const saved = this.newest.get(runKey(profileId, journeyId));
    return !saved || (mine && !later(saved, mine)) ? mine : saved;
  }

  async flush(tx: Tx) {
    if (this.cancelled.size) { const ids = [...this.cancelled]; this.cancelled.clear(); await cancelTimers(tx, ids); }
    if (this.timers.size) { const specs = [...this.timers.values()]; this.timers.clear(); await scheduleTimers(tx, specs); }
    if (this.runs.size) {
      const runs = [...this.runs.values()].map(r => ({
        id: r.id, w: r.workspaceId, j: r.journeyId, v: r.version, p: r.profileId, s: r.status, step: r.step, waiting: r.waiting, path: r.path,
        holdout: r.holdout, e: t(r.enteredAt), g: t(r.goalUntil), end: t(r.endedAt), reason: r.endReason, conv: t(r.convertedAt), rev: r.revenue,
        trail: this.steps.get(r.id) ?? [],
      }));
      this.runs.clear();
      this.newest.clear();
      this.steps.clear();
      // A step always saves its run, so counts come with runs: one statement writes both.
      // Counters in key order (journey, then step: \u0000 sorts first), so two transactions adding
      // to the same ones lock them in one order. The pipeline is the only writer; a pipeline
      // partitioned over processes would shard these rows.
      const counts = [...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
      this.counts.clear();
      if (!counts.length) await tx.query(UPSERT_RUNS_SQL, [JSON.stringify(runs), this.trailCap]);
      else await tx.query(`with runs as (${UPSERT_RUNS_SQL} returning 1) ${ADD_COUNTS_SQL}`, [JSON.stringify(runs), this.trailCap, JSON.stringify(counts)]);
    }
  }
}

/**
 * The outbox as the journey stage uses it within one batch: messages are gathered and put in
 * the outbox in one statement when the stage is done (before the runs that wait on them are
 * written), and the queued messages of runs that ended are cancelled after them in one more,
 * so what the batch enqueued for such a run is cancelled too. Cancelling after every enqueue
 * is what cancelling at once did: a cancellation names its run, and a run that has ended
 * enqueues nothing more.
 */
export class BatchOutbox implements StepOutbox {
  private queued: (OutboxInput & { id: string })[] = [];
  private cancels: { filter: { workspaceId: string; profileId: string; runId: string }; reason: string }[] = [];

  constructor(private real: Outbox, private writes: JourneyWrites) {}

  async enqueue(_tx: Tx, input: OutboxInput) {
    const id = newId('msg');
    this.queued.push({ ...input, id });
    return { id };
  }

  cancelRun(run: { workspaceId: string; profileId: string; id: string }, reason: string) {
    this.cancels.push({ filter: { workspaceId: run.workspaceId, profileId: run.profileId, runId: run.id }, reason });
  }

  /** `now`: the stage's one clock reading, when its runs ended. */
  async flush(tx: Tx, now: number) {
    if (this.queued.length) {
      const queued = this.queued;
      this.queued = [];
      const res = await this.real.enqueueMany(tx, queued);
      res.forEach((r, n) => { if (r.id !== queued[n].id) this.writes.renameMessage(queued[n].id, r.id); });
    }
    if (this.cancels.length) {
      const cancels = this.cancels;
      this.cancels = [];
      await this.real.cancelMany(tx, cancels, now);
    }
  }
}
