import { ms, type Queryable } from '../store/index.ts';
import type { EventType, JsonObject, OmnisEvent, StoredEvent } from '../shared/index.ts';

export interface EventRow {
  seq: number; workspace_id: string; message_id: string; type: string; name: string | null; channel: string;
  user_id: string | null; anonymous_id: string | null; ts: Date; received_at: Date; source_id: string | null;
  profile_id?: string | null; body: { properties?: JsonObject; traits?: JsonObject; context?: JsonObject; previousId?: string; groupId?: string };
}

export function rowToEvent(r: EventRow): StoredEvent & { workspaceId: string } {
  return {
    seq: r.seq, workspaceId: r.workspace_id, messageId: r.message_id, type: r.type as EventType, event: r.name, channel: r.channel,
    userId: r.user_id, anonymousId: r.anonymous_id, timestamp: ms(r.ts), receivedAt: ms(r.received_at), sourceId: r.source_id,
    profileId: r.profile_id ?? null, properties: r.body.properties ?? {}, traits: r.body.traits ?? {}, context: r.body.context ?? {},
    previousId: r.body.previousId ?? null, groupId: r.body.groupId ?? null,
  };
}

/** The JSON a row is inserted from (jsonb_to_recordset keeps one statement per batch). */
export function eventToInsert(workspaceId: string, e: OmnisEvent) {
  const body: Record<string, unknown> = { properties: e.properties, traits: e.traits, context: e.context };
  if (e.previousId) body.previousId = e.previousId;
  if (e.groupId) body.groupId = e.groupId;
  return {
    w: workspaceId, m: e.messageId, t: e.type, n: e.event, c: e.channel, u: e.userId, a: e.anonymousId,
    ts: e.timestamp, r: e.receivedAt, s: e.sourceId, b: body,
  };
}

/**
 * An accepted event with the seq the log gave it. Every field is named: spreading the event
 * into a new object cost 5-7 µs per event, most of what the appender did after its INSERT.
 */
export function appendedEvent(workspaceId: string, e: OmnisEvent, seq: number): StoredEvent & { workspaceId: string } {
  return {
    seq, workspaceId, messageId: e.messageId, type: e.type, event: e.event, channel: e.channel, userId: e.userId, anonymousId: e.anonymousId,
    timestamp: e.timestamp, receivedAt: e.receivedAt, sourceId: e.sourceId, profileId: null, properties: e.properties, traits: e.traits,
    context: e.context, previousId: e.previousId ?? null, groupId: e.groupId ?? null,
  };
}

/** The row eventToInsert made, back as the event it was (seq assigned by the insert). */
export function insertToEvent(r: ReturnType<typeof eventToInsert>, seq: number): StoredEvent & { workspaceId: string } {
  const b = r.b as EventRow['body'];
  return {
    seq, workspaceId: r.w, messageId: r.m, type: r.t, event: r.n, channel: r.c, userId: r.u, anonymousId: r.a, timestamp: r.ts,
    receivedAt: r.r, sourceId: r.s, profileId: null, properties: b.properties ?? {}, traits: b.traits ?? {}, context: b.context ?? {},
    previousId: b.previousId ?? null, groupId: b.groupId ?? null,
  };
}

/**
 * Events the pipeline emits while it processes a batch, processed by the later stages in the
 * same transaction (`processed_inline`: the log reader skips them). Their seqs may be lower
 * than an append still in flight, which is fine: the log never hands them out.
 */
export const INSERT_INLINE_EVENTS_SQL = `
  insert into events (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body, processed_inline)
  select x.w, x.m, x.t, x.n, x.c, x.u, x.a, to_timestamp(x.ts / 1000.0), to_timestamp(x.r / 1000.0), x.s, x.b, true
    from jsonb_to_recordset($1::jsonb) as x(w text, m text, t text, n text, c text, u text, a text, ts float8, r float8, s text, b jsonb)
  on conflict (workspace_id, message_id) do nothing
  returning *`;

/**
 * The seq INSERT_EVENTS_SQL gave each new event, looked up by workspace and messageId. Each
 * seq is handed out once: a messageId repeated in the same insert is new only the first time.
 */
export function seqTaker(inserted: { seq: number; message_id: string; workspace_id: string }[]): (workspaceId: string, messageId: string) => number | undefined {
  const seqOf = new Map(inserted.map(r => [`${r.workspace_id}\u0000${r.message_id}`, r.seq]));
  return (workspaceId, messageId) => {
    const k = `${workspaceId}\u0000${messageId}`;
    const seq = seqOf.get(k);
    seqOf.delete(k);
    return seq;
  };
}

/**
 * Appends hold an advisory lock to commit so that, across processes too, seq order is commit
 * order. The lock is per schema: several installations (or test runs) may share a database.
 */
export const APPEND_LOCK = 7_412_001;
export const INSERT_EVENTS_SQL = `
  with serialised as materialized (select pg_advisory_xact_lock(${APPEND_LOCK}, hashtext(current_schema())))
  insert into events (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body)
  select x.w, x.m, x.t, x.n, x.c, x.u, x.a, to_timestamp(x.ts / 1000.0), to_timestamp(x.r / 1000.0), x.s, x.b
    from serialised, jsonb_to_recordset($1::jsonb) as x(w text, m text, t text, n text, c text, u text, a text, ts float8, r float8, s text, b jsonb)
  on conflict (workspace_id, message_id) do nothing
  returning seq, message_id, workspace_id`;

/**
 * Every pipeline transaction holds this lock shared (so batches of several workers run side
 * by side); a change the pipeline must not interleave with, such as forgetting a customer,
 * takes it exclusively: it waits for the batches in flight to commit, and holds the next ones
 * back until it commits itself. Per schema, like the append lock.
 */
export const PIPELINE_LOCK = 7_412_002;
export const PIPELINE_SHARED_SQL = `select pg_advisory_xact_lock_shared(${PIPELINE_LOCK}, hashtext(current_schema()))`;

/** Makes the calling transaction wait for the pipeline's batches in flight and hold back the next ones until it ends. */
export async function excludePipeline(tx: Queryable): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(${PIPELINE_LOCK}, hashtext(current_schema()))`);
}

/** The log's unprocessed events after a seq: what the processor reads, and what lag counts. */
export const LOG_AFTER = 'seq > $1 and processed_inline is not true';
