import type { Queryable } from '../store/index.ts';
import { ms } from '../store/index.ts';
import { groupBy, type JsonObject, type StoredEvent } from '../shared/index.ts';
import type { EvalEvent } from './condition/index.ts';
import { isTimerEvent, type PipelineCache } from '../bus/index.ts';

interface Entry {
  /** profile_events rows the profile had (internal `$` events included), and the highest seq among them. */
  rows: number;
  maxSeq: number;
  /** Its events in (timestamp, seq) order, internal `$` events left out; `seqs` runs alongside. */
  events: EvalEvent[];
  seqs: number[];
}

/**
 * Each hot profile's events, kept in memory by the pipeline between batches so that every
 * batch does not read the whole history of every profile it touches (with its properties)
 * again. The pipeline is the only writer of profile_events but for merges and deletions,
 * which evict the profiles they touch (see PipelineCache); there entries are trusted. With
 * `verify`, an entry is used only while the database agrees with it on the profile's row
 * count and highest seq once this batch's events are added (one query per batch), so any
 * writer elsewhere makes the profile be read again. Entries change only after the batch's
 * transaction commits. Bounded by the number of events held; the least recently used
 * profiles are dropped first.
 */
export class EventHistory implements PipelineCache {
  private entries = new Map<string, Entry>();
  private held = 0;
  private readonly verify: boolean;
  hits = 0;
  misses = 0;

  constructor(private readonly maxEvents = 1_000_000, opts: { verify?: boolean } = {}) { this.verify = opts.verify ?? true; }

  /**
   * Every evaluable event of `ids`, in order, as of the caller's transaction. `batch` is what
   * the pipeline has just written for these profiles; `afterCommit` runs a function once the
   * transaction has committed.
   */
  async load(q: Queryable, ids: readonly string[], batch: readonly StoredEvent[], afterCommit: (f: () => void) => void, created?: ReadonlySet<string>): Promise<Map<string, EvalEvent[]>> {
    const out = new Map<string, EvalEvent[]>();
    if (!ids.length) return out;
    // Events without a profile group under no id anyone asks for.
    const fresh = groupBy(batch, e => e.profileId);
    const known = ids.filter(id => this.entries.has(id));
    const stats = this.verify && known.length
      ? await q.query<{ profile_id: string; n: number; m: string }>(
        'select profile_id, count(*)::int as n, max(seq)::text as m from profile_events where profile_id = any($1::text[]) group by profile_id', [known])
      : [];
    const db = new Map(stats.map(s => [s.profile_id, { n: s.n, m: Number(s.m) }]));
    const next = new Map<string, Entry>();
    const missing: string[] = [];
    for (const id of ids) {
      // A profile the batch created has no history but the batch's events.
      const cached = this.entries.get(id) ?? (created?.has(id) ? EMPTY : undefined);
      const candidate = cached ? withEvents(cached, fresh.get(id) ?? []) : null;
      const now = this.verify && cached !== EMPTY ? db.get(id) : candidate && { n: candidate.rows, m: candidate.maxSeq };
      if (candidate && now && candidate.rows === now.n && candidate.maxSeq === now.m) { next.set(id, candidate); this.hits++; }
      else { missing.push(id); this.misses++; }
    }
    if (missing.length) for (const [id, entry] of await loadEntries(q, missing)) next.set(id, entry);
    for (const [id, entry] of next) out.set(id, entry.events);
    afterCommit(() => { for (const [id, entry] of next) this.put(id, entry); });
    return out;
  }

  /** Forgets everything (tests, or after a batch rolled back). */
  clear() { this.entries.clear(); this.held = 0; }

  evict(profileIds: readonly string[]) {
    for (const id of profileIds) {
      const e = this.entries.get(id);
      if (e) { this.held -= e.events.length; this.entries.delete(id); }
    }
  }


  get size() { return { profiles: this.entries.size, events: this.held }; }

  private put(id: string, entry: Entry) {
    const old = this.entries.get(id);
    if (old) { this.held -= old.events.length; this.entries.delete(id); }
    if (entry.events.length > this.maxEvents / 2) return; // one giant profile must not flush everyone else
    this.entries.set(id, entry);
    this.held += entry.events.length;
    for (const [k, e] of this.entries) {
      if (this.held <= this.maxEvents) break;
      this.entries.delete(k);
      this.held -= e.events.length;
    }
  }
}

const EMPTY: Entry = { rows: 0, maxSeq: 0, events: [], seqs: [] };

const evaluable = (name: string | null) => name === null || !name.startsWith('$');

function toEval(e: StoredEvent): EvalEvent {
  return { event: e.event, type: e.type, channel: e.channel, timestamp: e.timestamp, properties: e.properties ?? {} };
}

/** A copy of `entry` with the batch's events it does not hold yet, each at its place in time order. */
function withEvents(entry: Entry, events: readonly StoredEvent[]): Entry {
  // Events a batch emits are processed in its transaction, before appends with lower seqs
  // that were still on their way: a seq under the highest held may be new too.
  let held: Set<number> | null = null;
  // A fired timer has no profile_events row (see isTimerEvent), so the count of rows held leaves it out.
  const add = events.filter(e => !isTimerEvent(e) && (e.seq > entry.maxSeq || evaluable(e.event) && !(held ??= new Set(entry.seqs)).has(e.seq)));
  if (!add.length) return entry;
  const evs = entry.events.slice();
  const seqs = entry.seqs.slice();
  let maxSeq = entry.maxSeq;
  for (const e of add) {
    maxSeq = Math.max(maxSeq, e.seq);
    if (!evaluable(e.event)) continue;
    let i = evs.length;
    while (i > 0 && (evs[i - 1].timestamp > e.timestamp || (evs[i - 1].timestamp === e.timestamp && seqs[i - 1] > e.seq))) i--;
    evs.splice(i, 0, toEval(e));
    seqs.splice(i, 0, e.seq);
  }
  return { rows: entry.rows + add.length, maxSeq, events: evs, seqs };
}

async function loadEntries(q: Queryable, ids: readonly string[]): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>(ids.map(id => [id, { rows: 0, maxSeq: 0, events: [], seqs: [] }]));
  const rows = await q.query<{ profile_id: string; seq: string; name: string | null; type: string; channel: string; ts: Date; properties: JsonObject | null }>(
    // Conditions read events' properties only (location comes from the profile), so context is not loaded.
    `select pe.profile_id, pe.seq::text as seq, e.name, e.type, e.channel, pe.ts, e.body->'properties' as properties
       from profile_events pe join events e on e.seq = pe.seq
      where pe.profile_id = any($1::text[])
      order by pe.profile_id, pe.ts, pe.seq`, [ids]);
  for (const r of rows) {
    const entry = out.get(r.profile_id)!;
    const seq = Number(r.seq);
    entry.rows++;
    entry.maxSeq = Math.max(entry.maxSeq, seq);
    if (!evaluable(r.name)) continue;
    entry.events.push({ event: r.name, type: r.type, channel: r.channel, timestamp: ms(r.ts), properties: r.properties ?? {} });
    entry.seqs.push(seq);
  }
  return out;
}
