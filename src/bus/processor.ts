import type { Db, Tx } from '../store/index.ts';
import { groupBy, type StoredEvent } from '../shared/index.ts';
import type { Appended } from './log.ts';
import { earliestScheduled, takeDueTimers, timerEvent, type TimerRow } from './timers.ts';
import { rowToEvent, eventToInsert, INSERT_INLINE_EVENTS_SQL, INSERT_EVENTS_SQL, LOG_AFTER, PIPELINE_SHARED_SQL, type EventRow } from './rows.ts';
import type { Job, PipelineCache, Stage, StageContext } from './stage.ts';

export interface ProcessorOptions {
  batchSize?: number;
  jobs?: Job[];
  caches?: PipelineCache[];
  /** Queue length past which queued copies are dropped and the backlog re-read from the log. Default 100,000. */
  maxQueued?: number;
  onError?: (e: unknown) => void;
}

const STREAM = 'main';
/** Rounds of emitted events a batch processes itself (a journey entered on a segment entry is two). */
const MAX_INLINE_ROUNDS = 8;

/**
 * Processes the event log in order, exactly once per event: a batch's stages and the
 * advance of pipeline_state.processed_seq commit in one transaction. Appends commit in
 * seq order, so that one number is the whole progress. New events arrive in memory from
 * the appender; at start, and whenever memory would overflow, the backlog is read from the
 * log itself, so nothing accepted is ever skipped.
 */
export class Processor {
  private queue: Appended[] = [];
  private readFromLog = true;
  private processedSeq = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private backlog = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly batchSize: number;
  private readonly maxQueued: number;

  constructor(private db: Db, private stages: Stage[], private opts: ProcessorOptions = {}) {
    this.batchSize = opts.batchSize ?? 2000;
    this.maxQueued = opts.maxQueued ?? 100_000;
  }

  async start() {
    this.processedSeq = await processedSeq(this.db);
    this.backlog = await backlogAfter(this.db, this.processedSeq);
    this.running = true;
    this.loop = this.run();
  }

  async stop() {
    this.running = false;
    this.wake?.();
    await this.loop;
    // Not fired now: they stay rows, and fire when a pipeline runs again.
    for (const r of this.fireRequests.splice(0)) r.done(r.fired);
  }

  /** Events accepted but not yet processed. */
  lag() { return this.backlog; }

  /** The log's seq up to which every event has been processed. */
  processed() { return this.processedSeq; }

  /** Another thread or process appended `count` events: read them from the log. */
  notify(count: number) {
    this.backlog += count;
    this.readFromLog = true;
    this.wake?.();
  }

  /** Called after each committed batch with its last seq and size. */
  onProcessed?: (seq: number, count: number) => void;
  /** Called after every committed batch or job run with the earliest due time of the timers it scheduled (Infinity: none). */
  onCommitted?: (earliestTimer: number) => void;
  /** Called when a stage emits events (counted into the backlog before its batch commits). */
  onEmitted?: (count: number) => void;
  /** Called when the backlog was re-counted from the log (the pipeline found nothing to read); after a batch, lag() is current in onProcessed. */
  onBacklog?: (backlog: number) => void;

  enqueue(events: Appended[]) {
    if (!events.length) return;
    this.backlog += events.length;
    if (!this.readFromLog) {
      if (this.queue.length + events.length > this.maxQueued) { this.queue = []; this.readFromLog = true; }
      else this.queue.push(...events);
    }
    this.wake?.();
  }

  /** Resolves when every event accepted so far has been processed. */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise(r => this.idleWaiters.push(r));
  }

  private async run() {
    let failures = 0;
    while (this.running) {
      try {
        const batch = await this.next();
        const worked = await this.runJobs();
        if (batch.length) { await this.process(batch); failures = 0; }
        // Then one chunk of due timers, so that a crowd of them falling due together and a
        // stream of events take turns: an event waits for one chunk at most.
        const fired = await this.fireChunk();
        if (batch.length || worked || fired) continue;
        if (this.backlog !== 0) { this.backlog = await backlogAfter(this.db, this.processedSeq); this.readFromLog = this.backlog > 0; this.settle(); this.onBacklog?.(this.backlog); }
        if (!this.readFromLog && !this.fireRequests.length) await new Promise<void>(r => { this.wake = r; setTimeout(r, 1000); });
        this.wake = null;
      } catch (e) {
        this.opts.onError?.(e);
        failures++;
        await new Promise(r => setTimeout(r, Math.min(5000, 50 * 2 ** failures)));
      }
    }
  }

  private async next(): Promise<Appended[]> {
    if (this.readFromLog) {
      const rows = await this.db.query<EventRow>(`select * from events where ${LOG_AFTER} order by seq limit $2`, [this.processedSeq, this.batchSize]);
      if (rows.length < this.batchSize) {
        // Caught up with the log: from here on the appender's copies are complete.
        this.readFromLog = false;
        const last = rows.length ? rows[rows.length - 1].seq : this.processedSeq;
        this.queue = this.queue.filter(e => e.seq > last);
      }
      return rows.map(rowToEvent);
    }
    const batch = this.queue.splice(0, this.batchSize);
    return batch.filter(e => e.seq > this.processedSeq);
  }

  private jobsPending = true;
  /** Called when a job may have been added (a segment saved). */
  pokeJobs() { this.jobsPending = true; this.wake?.(); }

  private async runJobs(): Promise<boolean> {
    if (!this.jobsPending || !this.opts.jobs?.length) return false;
    // Cleared before the run: a job saved while it runs (after the job's own look) pokes again.
    this.jobsPending = false;
    let more = false;
    for (const job of this.opts.jobs) {
      let worked = false;
      await this.committed(async (tx, after) => {
        const ctx = this.context(tx, after, 0);
        worked = await job(tx, ctx);
        await ctx.finish();
      });
      more = worked || more;
    }
    if (more) this.jobsPending = true;
    this.committedTimers();
    return more;
  }

  /**
   * Timers per chunk: at most a batch, and at most 1,000, so an event arriving while a crowd of
   * timers drains waits for about one chunk's transaction (0.1-0.3 s on two cores).
   */
  private get timerChunk() { return Math.min(this.batchSize, 1000); }

  private fireRequests: { now: number; fired: number; done: (n: number) => void; fail: (e: unknown) => void }[] = [];

  /**
   * Fires every timer due at `now`, in chunks between the batches of events, and resolves
   * with how many once they have committed (0 at once when the pipeline is not running).
   * Each chunk is one transaction: it deletes its timers and runs them through the stages as
   * `$timer` events (see timerEvent), so a timer fires exactly once, and again after a crash
   * that rolled its chunk back.
   */
  fireTimers(now: number): Promise<number> {
    if (!this.running) return Promise.resolve(0);
    return new Promise((done, fail) => { this.fireRequests.push({ now, fired: 0, done, fail }); this.wake?.(); });
  }

  /** Fires one chunk for the first request; false when none is waiting. */
  private async fireChunk(): Promise<boolean> {
    const req = this.fireRequests[0];
    if (!req) return false;
    let n: number;
    try { n = await this.fireDue(req.now); } catch (e) { this.fireRequests.shift(); req.fail(e); throw e; }
    req.fired += n;
    if (n < this.timerChunk) { this.fireRequests.shift(); req.done(req.fired); }
    this.committedTimers();
    return true;
  }

  private async fireDue(now: number): Promise<number> {
    let taken: TimerRow[] = [];
    try {
      await this.committed(async (tx, after) => {
        taken = await takeDueTimers(tx, now, this.timerChunk);
        await this.runStages(tx, taken.map(r => timerEvent(r, now)), after);
      });
      return taken.length;
    } catch (e) {
      // Nothing taken: the database failed, not a timer. The caller backs off and tries again.
      if (!taken.length) throw e;
      // As with events: one timer that fails cannot stop the others, nor fire forever.
      this.opts.onError?.(e);
      for (const r of taken) {
        try {
          await this.committed(async (tx, after) => { await this.runStages(tx, (await takeDueTimers(tx, now, 1, r.id)).map(t => timerEvent(t, now)), after); });
        } catch (e1) { await this.deadTimer(r, now, e1); }
      }
      return taken.length;
    }
  }

  private async process(batch: Appended[]) {
    const last = batch[batch.length - 1].seq;
    try {
      await this.committed(async (tx, after) => { await this.runStages(tx, batch, after); await advance(tx, last); });
    } catch (e) {
      // Isolate the event that fails, so one bad event cannot stop the pipeline.
      this.opts.onError?.(e);
      for (const ev of batch) {
        try { await this.committed(async (tx, after) => { await this.runStages(tx, [ev], after); await advance(tx, ev.seq); }); }
        catch (e1) { await this.deadLetter(ev, e1); }
      }
    }
    this.processedSeq = last;
    this.backlog = Math.max(0, this.backlog - batch.length);
    this.onProcessed?.(last, batch.length);
    this.committedTimers();
    this.settle();
  }

  /** The earliest timer the transactions committed since the last onCommitted scheduled. */
  private timerDue = Infinity;

  private committedTimers() {
    const due = this.timerDue;
    this.timerDue = Infinity;
    this.onCommitted?.(due);
  }

  /** One transaction of pipeline work; the afterCommit callbacks it collected run once it has committed. */
  private async committed(work: (tx: Tx, after: (() => void)[]) => Promise<void>) {
    const after: (() => void)[] = [];
    let scheduled = Infinity;
    try {
      await this.db.transaction(async tx => { await this.open(tx); await work(tx, after); scheduled = earliestScheduled(tx); });
    } catch (e) {
      for (const c of this.opts.caches ?? []) c.clear();
      throw e;
    }
    this.timerDue = Math.min(this.timerDue, scheduled);
    for (const f of after) f();
  }

  /**
   * Opens every pipeline transaction: takes the pipeline lock shared (see PIPELINE_LOCK), and
   * consumes the log of profiles changed outside the pipeline (see PipelineCache), in one statement.
   */
  private async open(tx: Tx) {
    if (!this.opts.caches?.length) { await tx.query(PIPELINE_SHARED_SQL); return; }
    const rows = await tx.query<{ profile_id: string }>(
      `with locked as materialized (${PIPELINE_SHARED_SQL}) delete from profile_changes where exists (select 1 from locked) returning profile_id`);
    if (rows.length) for (const c of this.opts.caches) c.evict(rows.map(r => r.profile_id));
  }

  private settle() {
    if (this.backlog !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    w.forEach(f => f());
  }

  private async runStages(tx: Tx, batch: Appended[], after: (() => void)[]) {
    for (const [ws, events] of groupBy(batch, e => e.workspaceId)) {
      const ctx = this.context(tx, after, MAX_INLINE_ROUNDS);
      // What the stages emit goes through them next, round after round, until nothing more is
      // emitted; a chain deeper than any real one (definitions feeding each other) goes to the log.
      for (let input: StoredEvent[] = events; input.length; input = ctx.nextRound()) {
        let passed = input;
        for (const stage of this.stages) passed = await stage(tx, ws, passed, ctx);
      }
      await ctx.finish();
    }
  }

  /**
   * `inlineRounds`: how many rounds of emitted events the batch processes itself (see
   * runStages); past them, and for a job (0), emitted events go to the log.
   */
  private context(tx: Tx, after: (() => void)[], inlineRounds: number): StageContext & { finish(): Promise<void>; nextRound(): StoredEvent[] } {
    const before: (() => Promise<void>)[] = [];
    let emitted: StoredEvent[] = [];
    let round = 0;
    return {
      /** The events emitted in the round just run, in log order: the next round's input. */
      nextRound: () => { round++; const out = emitted; emitted = []; return out.sort((a, b) => a.seq - b.seq); },
      afterCommit: f => { after.push(f); },
      beforeCommit: f => { before.push(f); },
      shared: new Map(),
      evict: ids => { for (const c of this.opts.caches ?? []) c.evict(ids); },
      finish: async () => { for (const f of before.splice(0)) await f(); },
      emit: async (workspaceId, events) => {
        if (!events.length) return;
        const rows = events.map(e => eventToInsert(workspaceId, e));
        if (round < inlineRounds) {
          for (const r of await tx.query<EventRow>(INSERT_INLINE_EVENTS_SQL, [JSON.stringify(rows)])) emitted.push(rowToEvent(r));
          return;
        }
        // Into the log, under the append lock like any append: seq order stays commit order,
        // so the log reader cannot pass an append still in flight.
        const appended = await tx.query(INSERT_EVENTS_SQL, [JSON.stringify(rows)]);
        this.readFromLog = true;
        this.backlog += appended.length;
        this.onEmitted?.(appended.length);
      },
    };
  }

  /** Kept whole in dead_events (nothing accepted is lost) and out of the log, so the pipeline moves on. */
  private async deadLetter(e: Appended, err: unknown) {
    this.opts.onError?.(err);
    await this.db.transaction(async tx => {
      await tx.query(
        `insert into dead_events (seq, workspace_id, message_id, row, error)
         select seq, workspace_id, message_id, to_jsonb(events), $2 from events where seq = $1 on conflict do nothing`,
        [e.seq, String((err as Error)?.stack ?? err).slice(0, 4000)]);
      await tx.query('delete from events where seq = $1', [e.seq]);
      await advance(tx, e.seq);
    });
  }

  /** A timer that fails alone: kept in dead_events as the event it fired as, under its seq, and deleted. */
  private async deadTimer(r: TimerRow, now: number, err: unknown) {
    this.opts.onError?.(err);
    await this.db.transaction(async tx => {
      const [t] = await takeDueTimers(tx, now, 1, r.id);
      if (!t) return;
      await tx.query('insert into dead_events (seq, workspace_id, message_id, row, error) values ($1, $2, $3, $4, $5) on conflict do nothing',
        [t.seq, t.workspace_id, timerEvent(t, now).messageId, JSON.stringify({ timer: t }), String((err as Error)?.stack ?? err).slice(0, 4000)]);
    });
  }
}

async function processedSeq(db: Db): Promise<number> {
  const rows = await db.query<{ processed_seq: number }>('select processed_seq from pipeline_state where stream = $1', [STREAM]);
  return rows[0]?.processed_seq ?? 0;
}

/** Events accepted but not processed; also what a process without a pipeline reports as lag. */
export async function backlogAfter(db: Db, seq?: number): Promise<number> {
  const from = seq ?? await processedSeq(db);
  const [{ n }] = await db.query<{ n: number }>(`select count(*)::int as n from events where ${LOG_AFTER}`, [from]);
  return n;
}

async function advance(tx: Tx, seq: number) {
  await tx.query(
    `insert into pipeline_state (stream, processed_seq) values ($1, $2)
     on conflict (stream) do update set processed_seq = greatest(pipeline_state.processed_seq, excluded.processed_seq)`, [STREAM, seq]);
}
