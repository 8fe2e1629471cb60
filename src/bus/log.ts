import type { Db } from '../store/index.ts';
import type { OmnisEvent, StoredEvent } from '../shared/index.ts';
import { appendedEvent, eventToInsert, seqTaker, INSERT_EVENTS_SQL } from './rows.ts';

export type Appended = StoredEvent & { workspaceId: string };

interface Pending { workspaceId: string; events: OmnisEvent[]; resolve: (r: Appended[]) => void; reject: (e: unknown) => void }

/**
 * The durable event log of the in-process bus: the events table. Appends from concurrent
 * requests are group-committed (one INSERT carries every request waiting while the previous
 * one ran), so a request's events are durable when its promise resolves and throughput
 * grows with load instead of latency. One appender at a time also makes the log's order
 * (seq) the order events were accepted in.
 */
export class EventLog {
  private queue: Pending[] = [];
  private flushing = false;
  private listeners: ((events: Appended[]) => void)[] = [];

  constructor(private db: Db, private maxRows = 5000) {}

  /** Resolves with the events that were new (duplicates of a stored messageId are left out). */
  append(workspaceId: string, events: OmnisEvent[]): Promise<Appended[]> {
    if (!events.length) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ workspaceId, events, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Called with every committed batch of new events, in log order. */
  onAppend(fn: (events: Appended[]) => void) { this.listeners.push(fn); }

  /** New events another writer of the log committed (the accept journal's mover), for the listeners. */
  announce(events: Appended[]) { if (events.length) for (const l of this.listeners) l(events); }

  private async flush() {
    this.flushing = true;
    try {
      while (this.queue.length) {
        const take: Pending[] = [];
        let rows = 0;
        while (this.queue.length && (rows === 0 || rows + this.queue[0].events.length <= this.maxRows)) {
          const p = this.queue.shift()!;
          take.push(p);
          rows += p.events.length;
        }
        try {
          const inserted = await this.db.query<{ seq: number; message_id: string; workspace_id: string }>(
            INSERT_EVENTS_SQL, [JSON.stringify(take.flatMap(p => p.events.map(e => eventToInsert(p.workspaceId, e))))]);
          const seqOf = seqTaker(inserted);
          const all: Appended[] = [];
          for (const p of take) {
            const mine: Appended[] = [];
            for (const e of p.events) {
              const seq = seqOf(p.workspaceId, e.messageId);
              if (seq !== undefined) mine.push(appendedEvent(p.workspaceId, e, seq));
            }
            all.push(...mine);
            p.resolve(mine);
          }
          all.sort((a, b) => a.seq - b.seq);
          this.announce(all);
        } catch (e) {
          for (const p of take) p.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
