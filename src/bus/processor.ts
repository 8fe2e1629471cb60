import type { Db, Tx } from '../store/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import type { Appended } from './log.ts';
import { rowToEvent, type EventRow } from './rows.ts';

/**
 * A pipeline stage: takes one workspace's events in log order inside the batch's
 * transaction and returns the events passed on to the next stage.
 */
export type Stage = (tx: Tx, workspaceId: string, events: StoredEvent[]) => Promise<StoredEvent[]>;

export interface ProcessorOptions {
  batchSize?: number;
  /** Queue length past which queued copies are dropped and the backlog re-read from the log. Default 100,000. */
  maxQueued?: number;
  onError?: (e: unknown) => void;
}

/**
 * Processes the event log in order, exactly once per event: a batch's stages and the
 * marking of its events as processed (events.profile_id) commit in one transaction. New
 * events arrive in memory from the appender; at start, and whenever memory would overflow,
 * the backlog is read from the log itself, so nothing accepted is ever skipped.
 */
export class Processor {
  private queue: Appended[] = [];
  private readFromLog = true;
  private highestSeen = 0;
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
    const [{ n }] = await this.db.query<{ n: number }>('select count(*)::int as n from events where profile_id is null');
    this.backlog = n;
    this.running = true;
    this.loop = this.run();
  }

  async stop() {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Events accepted but not yet processed. */
  lag() { return this.backlog; }

  enqueue(events: Appended[]) {
    if (!events.length) return;
    this.backlog += events.length;
    if (this.readFromLog) { this.wake?.(); return; } // the log read will pick them up
    if (this.queue.length + events.length > this.maxQueued) { this.queue = []; this.readFromLog = true; }
    else this.queue.push(...events);
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
        if (!batch.length) {
          if (this.backlog !== 0 && !this.readFromLog) this.readFromLog = true; // counts drifted: trust the log
          else await new Promise<void>(r => { this.wake = r; setTimeout(r, 1000); });
          this.wake = null;
          continue;
        }
        await this.process(batch);
        failures = 0;
      } catch (e) {
        this.opts.onError?.(e);
        failures++;
        await new Promise(r => setTimeout(r, Math.min(5000, 50 * 2 ** failures)));
      }
    }
  }

  private async next(): Promise<Appended[]> {
    if (this.readFromLog) {
      const rows = await this.db.query<EventRow>(
        'select * from events where profile_id is null and seq > $1 order by seq limit $2', [0, this.batchSize]);
      if (rows.length < this.batchSize) {
        // Caught up with the log: from here on the appender's copies are complete.
        this.readFromLog = false;
        const seqs = new Set(rows.map(r => r.seq));
        this.queue = this.queue.filter(e => !seqs.has(e.seq));
      }
      return rows.map(rowToEvent);
    }
    return this.queue.splice(0, this.batchSize);
  }

  private async process(batch: Appended[]) {
    try {
      await this.db.transaction(tx => this.runStages(tx, batch));
    } catch (e) {
      if (batch.length === 1) { await this.deadLetter(batch[0], e); }
      else {
        // Isolate the event that fails so one bad event cannot stop the pipeline.
        this.opts.onError?.(e);
        for (const ev of batch) {
          try { await this.db.transaction(tx => this.runStages(tx, [ev])); }
          catch (e1) { await this.deadLetter(ev, e1); }
        }
      }
    }
    this.highestSeen = Math.max(this.highestSeen, batch[batch.length - 1].seq);
    this.backlog = Math.max(0, this.backlog - batch.length);
    if (this.backlog === 0) { const w = this.idleWaiters; this.idleWaiters = []; w.forEach(f => f()); }
  }

  private async runStages(tx: Tx, batch: Appended[]) {
    const byWorkspace = new Map<string, StoredEvent[]>();
    for (const e of batch) {
      let l = byWorkspace.get(e.workspaceId);
      if (!l) byWorkspace.set(e.workspaceId, (l = []));
      l.push(e);
    }
    for (const [ws, events] of byWorkspace) {
      let passed = events;
      for (const stage of this.stages) passed = await stage(tx, ws, passed);
    }
  }

  private async deadLetter(e: Appended, err: unknown) {
    this.opts.onError?.(err);
    await this.db.transaction(async tx => {
      await tx.query(
        `insert into dead_events (seq, workspace_id, message_id, row, error)
         select seq, workspace_id, message_id, to_jsonb(events), $2 from events where seq = $1 on conflict do nothing`,
        [e.seq, String((err as Error)?.stack ?? err).slice(0, 4000)]);
      await tx.query('delete from events where seq = $1', [e.seq]);
    });
  }
}
