import type { Db } from '../store/index.ts';
import { groupCommit, type OmnisEvent, type StoredEvent } from '../shared/index.ts';
import { appendedEvent, eventToInsert, seqTaker, INSERT_EVENTS_SQL } from './rows.ts';

export type Appended = StoredEvent & { workspaceId: string };

interface Pending { workspaceId: string; events: OmnisEvent[] }

/**
 * The durable event log of the in-process bus: the events table. Appends from concurrent
 * requests are group-committed (one INSERT carries every request waiting while the previous
 * one ran), so a request's events are durable when its promise resolves and throughput
 * grows with load instead of latency. One appender at a time also makes the log's order
 * (seq) the order events were accepted in.
 */
export class EventLog {
  private listeners: ((events: Appended[]) => void)[] = [];
  private readonly put: (p: Pending) => Promise<Appended[]>;

  constructor(private db: Db, maxRows = 5000) {
    this.put = groupCommit(take => this.write(take), { maxWeight: maxRows, weight: p => p.events.length });
  }

  /** Resolves with the events that were new (duplicates of a stored messageId are left out). */
  append(workspaceId: string, events: OmnisEvent[]): Promise<Appended[]> {
    if (!events.length) return Promise.resolve([]);
    return this.put({ workspaceId, events });
  }

  /** Called with every committed batch of new events, in log order. */
  onAppend(fn: (events: Appended[]) => void) { this.listeners.push(fn); }

  /** New events another writer of the log committed (the accept journal's mover), for the listeners. */
  announce(events: Appended[]) { if (events.length) for (const l of this.listeners) l(events); }

  private async write(take: Pending[]): Promise<Appended[][]> {
    const inserted = await this.db.query<{ seq: number; message_id: string; workspace_id: string }>(
      INSERT_EVENTS_SQL, [JSON.stringify(take.flatMap(p => p.events.map(e => eventToInsert(p.workspaceId, e))))]);
    const seqOf = seqTaker(inserted);
    const all: Appended[] = [];
    const each = take.map(p => {
      const mine: Appended[] = [];
      for (const e of p.events) {
        const seq = seqOf(p.workspaceId, e.messageId);
        if (seq !== undefined) mine.push(appendedEvent(p.workspaceId, e, seq));
      }
      all.push(...mine);
      return mine;
    });
    all.sort((a, b) => a.seq - b.seq);
    this.announce(all);
    return each;
  }
}
