/**
 * Read models for the console's live view of a journey: who is at a step right now, what
 * each step's messages earned (opens, clicks) and how many of the runs that passed through
 * it converted, and per-journey totals for the list.
 */
import type { Db, Queryable } from '../store/index.ts';
import { trailSteps, type TrailStep } from './engine/runs.ts';
import type { TrailEntry } from './engine/types.ts';
import { ms } from '../store/index.ts';
import { invalid } from '../shared/index.ts';

export interface StepRun { runId: string; profileId: string; version: number; since: string; waiting: string | null }

/**
 * Runs currently at `stepId`, oldest arrival first, keyset-paged on (arrival, run id) so a
 * page stays stable while runs move on. `cursor` is the previous page's `nextCursor`.
 */
export async function runsAtStep(db: Db, journeyId: string, stepId: string, opts: { limit?: number; cursor?: string | null } = {}) {
  const limit = opts.limit ?? 50;
  let after: [string, string] | null = null;
  if (opts.cursor) {
    const [t, id] = Buffer.from(opts.cursor, 'base64url').toString().split('|');
    if (!t || !id || Number.isNaN(Date.parse(t))) throw invalid('cursor', 'cursor is not one this endpoint handed out; start again without it');
    after = [t, id];
  }
  const rows = await db.query<{ id: string; profile_id: string; version: number; since: Date; waiting: { kind?: string } | null }>(
    `select * from (
       select r.id, r.profile_id, r.version, r.waiting,
              coalesce((select to_timestamp(max((e->>2)::float8) / 1000) from jsonb_array_elements(r.trail) e where e->>0 = r.step and e->>1 = 'entered'), r.entered_at) as since
         from journey_runs r where r.journey_id = $1 and r.status = 'active' and r.step = $2) x
      where $3::timestamptz is null or (x.since, x.id) > ($3::timestamptz, $4::text)
      order by x.since, x.id limit $5`,
    [journeyId, stepId, after?.[0] ?? null, after?.[1] ?? null, limit + 1]);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(`${new Date(ms(last.since)).toISOString()}|${last.id}`).toString('base64url') : null;
  return {
    data: page.map((r): StepRun => ({ runId: r.id, profileId: r.profile_id, version: r.version, since: new Date(ms(r.since)).toISOString(), waiting: r.waiting?.kind ?? null })),
    nextCursor,
  };
}

export interface StepOutcome { opens: number; clicks: number; conversions: number; revenue: number }

/**
 * Per step: messages opened and clicked (each message counted once, however many times the
 * provider reported it), and runs that passed through the step and converted, with their revenue.
 * Engagement events carry the outbox message id as `properties.messageId`.
 */
export async function stepOutcomes(db: Db, journeyId: string): Promise<Record<string, StepOutcome>> {
  const [engagement, conversions] = await Promise.all([
    db.query<{ step_id: string; opens: number; clicks: number }>(
      `select m.step_id,
              count(distinct m.id) filter (where e.name like '%Opened' or e.name like '%Read')::int as opens,
              count(distinct m.id) filter (where e.name like '%Clicked' or e.name like '%Tapped')::int as clicks
         from messages m join events e on e.workspace_id = m.workspace_id and e.body->'properties'->>'messageId' = m.id
        where m.journey_id = $1 and m.step_id is not null and e.ts >= m.created_at
          and e.body->'properties'->>'messageId' is not null
        group by m.step_id`, [journeyId]),
    db.query<{ step_id: string; conversions: number; revenue: number }>(
      `select s.step_id, count(*)::int as conversions, coalesce(sum(r.revenue), 0)::float8 as revenue
         from journey_runs r cross join lateral (
                select e->>0 as step_id from jsonb_array_elements(r.trail) e where e->>1 = 'entered'
                union select t.key from jsonb_each(coalesce(r.trail_tally, '{}')) t where (t.value->>0)::int > 0) s
        where r.journey_id = $1 and r.status = 'converted'
        group by s.step_id`, [journeyId]),
  ]);
  const out: Record<string, StepOutcome> = {};
  const at = (s: string) => (out[s] ??= { opens: 0, clicks: 0, conversions: 0, revenue: 0 });
  for (const r of engagement) { at(r.step_id).opens = r.opens; at(r.step_id).clicks = r.clicks; }
  for (const r of conversions) { at(r.step_id).conversions = r.conversions; at(r.step_id).revenue = Number(r.revenue); }
  return out;
}

/** Every step each run of the journey took, runs in the order they entered, each run's steps in order. */
export async function journeyTrails(db: Queryable, journeyId: string): Promise<{ runId: string; steps: TrailStep[] }[]> {
  const rows = await db.query<{ id: string; trail: TrailEntry[] }>('select id, trail from journey_runs where journey_id = $1 order by entered_at, id', [journeyId]);
  return rows.map(r => ({ runId: r.id, steps: trailSteps(r.trail) }));
}

/** Runs entered and converted per journey of a workspace, for the journey list. */
export async function journeyTotals(db: Db, workspaceId: string): Promise<Record<string, { entered: number; converted: number }>> {
  const rows = await db.query<{ journey_id: string; entered: number; converted: number }>(
    `select journey_id, count(*)::int as entered, count(*) filter (where status = 'converted')::int as converted
       from journey_runs where workspace_id = $1 group by journey_id`, [workspaceId]);
  return Object.fromEntries(rows.map(r => [r.journey_id, { entered: r.entered, converted: r.converted }]));
}
