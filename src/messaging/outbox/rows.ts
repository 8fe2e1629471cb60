/** Row ↔ domain mapping of the outbox, and the one helper that changes a status. */
import { ms, msOrNull, type Queryable, type Row } from '../../store/index.ts';
import type { JsonObject } from '../../shared/index.ts';
import type { HistoryEntry, MessageStatus, OutboxMessage, Purpose } from './types.ts';

export const iso = (t: number) => new Date(t).toISOString();

const jsonObj = (v: unknown): JsonObject => (typeof v === 'string' ? JSON.parse(v) : (v ?? {})) as JsonObject;

export function toMessage(r: Row): OutboxMessage {
  return {
    id: r.id as string,
    workspaceId: r.workspace_id as string,
    idempotencyKey: r.idempotency_key as string,
    profileId: r.profile_id as string,
    channel: r.channel as string,
    provider: (r.provider as string | null) ?? null,
    templateKey: r.template_key as string,
    purpose: r.purpose as Purpose,
    journeyId: (r.journey_id as string | null) ?? null,
    journeyVersion: r.journey_version == null ? null : Number(r.journey_version),
    stepId: (r.step_id as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    context: jsonObj(r.context),
    sendAt: ms(r.send_at),
    status: r.status as MessageStatus,
    reason: (r.reason as string | null) ?? null,
    attempts: Number(r.attempts),
    nextAttemptAt: ms(r.next_attempt_at),
    attemptedAt: msOrNull(r.attempted_at),
    providerMessageId: (r.provider_message_id as string | null) ?? null,
    rendered: r.rendered == null ? null : jsonObj(r.rendered),
    sentAt: msOrNull(r.sent_at),
    createdAt: ms(r.created_at),
    updatedAt: ms(r.updated_at),
  };
}

export function toHistory(r: Row): HistoryEntry {
  return { status: r.status as MessageStatus, reason: (r.reason as string | null) ?? null, at: ms(r.at) };
}

export interface StatusChange {
  status: MessageStatus;
  reason?: string | null;
  /** Only move the message when it is in one of these statuses (guards against races and replays). */
  from: readonly MessageStatus[];
  /** Extra columns to set, already SQL-safe names, values as params. */
  set?: Record<string, unknown>;
  /** Only when nobody wrote the row since this updated_at (crash recovery racing a claim). */
  unchangedSince?: number;
}

/**
 * Moves one message to a new status and records it in the history, in one statement so the
 * two never disagree. Returns the updated message, or null when it was not in `from`.
 */
export async function changeStatus(q: Queryable, id: string, change: StatusChange, now: number): Promise<OutboxMessage | null> {
  const extra = Object.entries(change.set ?? {});
  const params: unknown[] = [id, change.status, change.reason ?? null, iso(now), [...change.from]];
  const sets = extra.map(([col, v]) => { params.push(v); return `${col} = $${params.length}`; });
  let guard = '';
  if (change.unchangedSince !== undefined) { params.push(iso(change.unchangedSince)); guard = ` and updated_at = $${params.length}`; }
  const rows = await q.query(
    `with moved as (
       update messages set status = $2, reason = $3, updated_at = $4${sets.map(s => `, ${s}`).join('')}
       where id = $1 and status = any($5::text[])${guard}
       returning *
     ), h as (
       insert into message_status_history (message_id, status, reason, at) select id, $2, $3, $4 from moved
     )
     select * from moved`,
    params,
  );
  return rows[0] ? toMessage(rows[0]) : null;
}

/** A claimed message's next status, as one round of the dispatcher writes it (see changeStatuses). */
export interface RoundChange {
  id: string;
  status: MessageStatus;
  reason: string | null;
  nextAttemptAt?: number;
  sendAt?: number;
  providerMessageId?: string | null;
  rendered?: JsonObject | null;
  sentAt?: number;
}

/**
 * Moves many claimed messages (`sending`) to their next statuses and records each in the
 * history, in one statement. Returns the messages moved; one no longer in `sending` (another
 * worker recovered it) is left out.
 */
export async function changeStatuses(q: Queryable, changes: readonly RoundChange[], now: number): Promise<OutboxMessage[]> {
  if (!changes.length) return [];
  const rows = await q.query(
    `with x as (
       select * from jsonb_to_recordset($1::jsonb) as x(id text, status text, reason text, next timestamptz, send timestamptz, pid text, rendered jsonb, sent timestamptz)
     ), moved as (
       update messages m set status = x.status, reason = x.reason, updated_at = $2,
              next_attempt_at = coalesce(x.next, m.next_attempt_at), send_at = coalesce(x.send, m.send_at),
              provider_message_id = coalesce(x.pid, m.provider_message_id), rendered = coalesce(x.rendered, m.rendered), sent_at = coalesce(x.sent, m.sent_at)
         from x where m.id = x.id and m.status = 'sending'
       returning m.*
     ), h as (
       insert into message_status_history (message_id, status, reason, at) select id, status, reason, $2 from moved
     )
     select * from moved`,
    [JSON.stringify(changes.map(c => ({
      id: c.id, status: c.status, reason: c.reason, next: c.nextAttemptAt === undefined ? null : iso(c.nextAttemptAt), send: c.sendAt === undefined ? null : iso(c.sendAt),
      pid: c.providerMessageId ?? null, rendered: c.rendered ?? null, sent: c.sentAt === undefined ? null : iso(c.sentAt),
    }))), iso(now)],
  );
  const byId = new Map(rows.map(r => [r.id as string, toMessage(r)]));
  // In the order they were given: feedback events follow it.
  return changes.map(c => byId.get(c.id)).filter((m): m is OutboxMessage => m !== undefined);
}
