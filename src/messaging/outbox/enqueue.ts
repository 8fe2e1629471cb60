/** Putting messages into the outbox and taking queued ones back out. */
import { invalid, newId } from '../../shared/index.ts';
import type { Queryable } from '../../store/index.ts';
import { iso } from './rows.ts';
import type { EnqueueInput } from './types.ts';

const CHANNEL = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * Idempotent on (workspace, idempotencyKey): a second enqueue with the same key returns the
 * first message and creates nothing, whatever else it says. Run it in the caller's
 * transaction so the journey step and its message commit together.
 */
export async function enqueueMessage(q: Queryable, input: EnqueueInput): Promise<{ id: string; created: boolean }> {
  const [r] = await enqueueMessages(q, [{ ...input, id: newId('msg') }]);
  return r;
}

/**
 * Many enqueues in two statements, with the ids chosen by the caller (`id`), in order. Same
 * idempotency as enqueueMessage: an input whose key is already queued creates nothing and
 * answers with the stored message's id.
 */
export async function enqueueMessages(q: Queryable, inputs: readonly (EnqueueInput & { id: string })[]): Promise<{ id: string; created: boolean }[]> {
  if (!inputs.length) return [];
  inputs.forEach(check);
  const rows = inputs.map(i => ({
    id: i.id, w: i.workspaceId, k: i.idempotencyKey, p: i.profileId, ch: i.channel, t: i.templateKey, pu: i.purpose ?? 'marketing',
    j: i.journeyId ?? null, v: i.journeyVersion ?? null, s: i.stepId ?? null, r: i.runId ?? null, c: i.context ?? {},
    at: iso(i.sendAt ?? i.now), now: iso(i.now),
  }));
  const inserted = await q.query<{ id: string }>(
    `with ins as (
       insert into messages (id, workspace_id, idempotency_key, profile_id, channel, template_key, purpose,
         journey_id, journey_version, step_id, run_id, context, send_at, status, next_attempt_at, created_at, updated_at)
       select x.id, x.w, x.k, x.p, x.ch, x.t, x.pu, x.j, x.v, x.s, x.r, x.c, x.at, 'queued', x.at, x.now, x.now
         from jsonb_to_recordset($1::jsonb) as x(id text, w text, k text, p text, ch text, t text, pu text, j text, v int, s text, r text, c jsonb, at timestamptz, now timestamptz)
       on conflict (workspace_id, idempotency_key) do nothing
       returning id, created_at
     ), h as (
       insert into message_status_history (message_id, status, reason, at) select id, 'queued', null, created_at from ins
     )
     select id from ins`,
    [JSON.stringify(rows)]);
  const created = new Set(inserted.map(r => r.id));
  const out = inputs.map(i => ({ id: i.id, created: created.has(i.id) }));
  const clash = inputs.filter(i => !created.has(i.id));
  if (clash.length) {
    const existing = await q.query<{ k: string; w: string; id: string }>(
      `select m.workspace_id as w, m.idempotency_key as k, m.id from messages m
         join jsonb_to_recordset($1::jsonb) as x(w text, k text) on m.workspace_id = x.w and m.idempotency_key = x.k`,
      [JSON.stringify(clash.map(i => ({ w: i.workspaceId, k: i.idempotencyKey })))]);
    const idOf = new Map(existing.map(r => [`${r.w}\u0000${r.k}`, r.id]));
    for (const [n, i] of inputs.entries()) if (!out[n].created) out[n].id = idOf.get(`${i.workspaceId}\u0000${i.idempotencyKey}`) ?? i.id;
  }
  return out;
}

function check(input: EnqueueInput) {
  const text = (field: keyof EnqueueInput, max: number) => {
    const v = input[field];
    if (typeof v !== 'string' || v.length === 0 || v.length > max) throw invalid(field, `must be a string of 1 to ${max} characters`);
  };
  text('workspaceId', 200);
  text('idempotencyKey', 500);
  text('profileId', 200);
  text('templateKey', 200);
  if (typeof input.channel !== 'string' || !CHANNEL.test(input.channel)) throw invalid('channel', 'must be a channel name like "email" or "direct_mail"');
  if (input.purpose !== undefined && input.purpose !== 'marketing' && input.purpose !== 'transactional') {
    throw invalid('purpose', "must be 'marketing' or 'transactional'");
  }
  if (input.sendAt !== undefined && !Number.isFinite(input.sendAt)) throw invalid('sendAt', 'must be epoch milliseconds');
  if (!Number.isFinite(input.now)) throw invalid('now', 'must be epoch milliseconds');
}

export interface CancelFilter { workspaceId: string; profileId: string; journeyId?: string; runId?: string }

/**
 * Cancels the profile's messages that have not started sending (a goal reached, a journey
 * exited). Messages already `sending` are past the point of no return and are left alone.
 */
export async function cancelMessages(q: Queryable, filter: CancelFilter, reason: string, now: number): Promise<number> {
  return cancelMessagesMany(q, [{ filter, reason }], now);
}

/**
 * cancelMessages for many filters in one statement, each with its reason (the pipeline's batch
 * ends a crowd of runs at once). A message two filters match is cancelled once, with the
 * reason of the first.
 */
export async function cancelMessagesMany(q: Queryable, cancels: readonly { filter: CancelFilter; reason: string }[], now: number): Promise<number> {
  if (!cancels.length) return 0;
  const rows = await q.query<{ id: string }>(
    `with c as (
       select x.n, x.w, x.p, x.j, x.r, x.reason from jsonb_to_recordset($1::jsonb) as x(n int, w text, p text, j text, r text, reason text)
     ), hit as (
       select distinct on (m.id) m.id, c.reason from c join messages m
         on m.workspace_id = c.w and m.profile_id = c.p and m.status = 'queued' and (c.j is null or m.journey_id = c.j) and (c.r is null or m.run_id = c.r)
        order by m.id, c.n
     ), moved as (
       update messages m set status = 'cancelled', reason = hit.reason, updated_at = $2 from hit where m.id = hit.id
       returning m.id, m.reason
     ), h as (
       insert into message_status_history (message_id, status, reason, at) select id, 'cancelled', reason, $2 from moved
     )
     select id from moved`,
    [JSON.stringify(cancels.map(({ filter: f, reason }, n) => ({ n, w: f.workspaceId, p: f.profileId, j: f.journeyId ?? null, r: f.runId ?? null, reason }))), iso(now)],
  );
  return rows.length;
}
