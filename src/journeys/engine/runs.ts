import type { Queryable } from '../../store/index.ts';
import { ms, msOrNull } from '../../store/index.ts';
import type { Run, RunStatus, TrailEntry, Waiting } from './types.ts';

interface RunRow {
  id: string; workspace_id: string; journey_id: string; version: number; profile_id: string; status: RunStatus; step: string | null;
  waiting: Waiting | null; path: string | null; holdout: boolean; entered_at: Date; goal_until: Date | null; ended_at: Date | null;
  end_reason: string | null; converted_at: Date | null; revenue: number;
}

/** The run's columns but its trail: the engine appends to trails without reading them. */
const COLUMNS = ['id', 'workspace_id', 'journey_id', 'version', 'profile_id', 'status', 'step', 'waiting', 'path', 'holdout', 'entered_at', 'goal_until', 'ended_at', 'end_reason', 'converted_at', 'revenue'];
const columns = (alias: string) => COLUMNS.map(c => `${alias}.${c}`).join(', ');

const toRun = (r: RunRow): Run => ({
  id: r.id, workspaceId: r.workspace_id, journeyId: r.journey_id, version: r.version, profileId: r.profile_id, status: r.status,
  step: r.step, waiting: r.waiting, path: r.path, holdout: r.holdout, enteredAt: ms(r.entered_at), goalUntil: msOrNull(r.goal_until),
  endedAt: msOrNull(r.ended_at), endReason: r.end_reason, convertedAt: msOrNull(r.converted_at), revenue: Number(r.revenue),
});

/**
 * The active runs of these live profiles, including runs that began on a profile since
 * merged into one of them: those are moved onto the live profile first (see followMerge).
 * Locked for the pipeline's transaction, as runById's run is: an archive (service.ts)
 * then waits for the batch moving them, or the batch waits and sees them ended, instead
 * of the batch writing back a run the archive had ended.
 */
export async function activeRuns(q: Queryable, profileIds: readonly string[]): Promise<Run[]> {
  if (!profileIds.length) return [];
  const rows = await q.query<RunRow & { live: string }>(
    `select ${columns('r')}, coalesce((select m.merged_into from profiles m where m.id = r.profile_id), r.profile_id) as live from journey_runs r
      where r.status = 'active' and r.profile_id = any(array(select unnest($1::text[]) union all select id from profiles where merged_into = any($1::text[])))
      order by r.entered_at, r.id for update`, [profileIds]);
  const runs = rows.map(toRun);
  for (const [i, r] of rows.entries()) await followMerge(q, runs[i], r.live);
  return runs;
}

/**
 * A run belongs to the customer, not to one of the profiles they had before a merge: it
 * moves to the surviving profile with its open audience memberships and queued messages,
 * so its goal, exits, branches, channels and cancellations all see the one profile.
 */
export async function followMerge(q: Queryable, run: Run, live: string): Promise<void> {
  if (run.profileId === live) return;
  await q.query('update journey_runs set profile_id = $2 where id = $1', [run.id, live]);
  await q.query('update audience_memberships set profile_id = $2 where run_id = $1 and removed_at is null', [run.id, live]);
  await q.query(`update messages set profile_id = $2 where run_id = $1 and status = 'queued'`, [run.id, live]);
  run.profileId = live;
}

export async function runById(q: Queryable, id: string): Promise<Run | null> {
  const rows = await q.query<RunRow>(`select ${columns('r')} from journey_runs r where id = $1 for update`, [id]);
  return rows[0] ? toRun(rows[0]) : null;
}

/**
 * Each (live profile, journey) pair's latest run (any version, profiles merged into it
 * included), for re-entry rules, in one query for a batch; keyed by runKey(profile, journey).
 * One index probe per pair (journey_runs_profile_journey): the cost follows the batch, not
 * how many runs the journeys have had.
 */
export async function latestRuns(q: Queryable, pairs: readonly { profileId: string; journeyId: string }[]): Promise<Map<string, Run>> {
  if (!pairs.length) return new Map();
  const rows = await q.query<RunRow & { live: string }>(
    `with k(live, journey) as (select * from unnest($1::text[], $2::text[])),
          ids(id, live, journey) as (select live, live, journey from k union all select p.id, k.live, k.journey from profiles p join k on k.live = p.merged_into where p.merged_into = any($1::text[]))
     select distinct on (ids.live, ids.journey) ids.live, ${columns('r')} from ids
       cross join lateral (select ${columns('r')} from journey_runs r where r.profile_id = ids.id and r.journey_id = ids.journey
                            order by r.entered_at desc, r.id desc limit 1) r
      order by ids.live, ids.journey, r.entered_at desc, r.id desc`, [pairs.map(p => p.profileId), pairs.map(p => p.journeyId)]);
  return new Map(rows.map(r => [runKey(r.live, r.journey_id), toRun(r)]));
}

export const runKey = (profileId: string, journeyId: string) => `${profileId}\u0000${journeyId}`;

/** Right to be forgotten: the customer's active runs end where they are (their timers are the bus's to drop). */
export async function endRunsOfForgotten(q: Queryable, profileIds: readonly string[], now: number): Promise<void> {
  if (!profileIds.length) return;
  await q.query(
    `update journey_runs set status = 'exited', end_reason = 'profile deleted', ended_at = to_timestamp($2 / 1000.0), waiting = null
      where profile_id = any($1::text[]) and status = 'active'`, [profileIds, now]);
}

/** A step a run entered or left, as the API and exports show it. */
export interface TrailStep { step: string; action: 'entered' | 'left'; at: string; detail: string | null }

export const trailSteps = (trail: TrailEntry[]): TrailStep[] =>
  trail.map(([step, action, at, detail]) => ({ step, action, at: new Date(at).toISOString(), detail: detail ?? null }));

/** Per step, how often a run entered and left it before the steps its trail still lists (see TRAIL_CAP); null when nothing was trimmed. */
export type EarlierSteps = Record<string, { entered: number; left: number }> | null;

/** The customer's journey runs with the steps each took, for their access export. */
export async function runsOfProfiles(q: Queryable, profileIds: readonly string[]): Promise<(Run & { steps: TrailStep[]; earlierSteps: EarlierSteps })[]> {
  if (!profileIds.length) return [];
  const rows = await q.query<RunRow & { trail: TrailEntry[]; trail_tally: Record<string, [number, number]> | null }>(
    'select * from journey_runs where profile_id = any($1::text[]) order by entered_at, id', [[...profileIds]]);
  return rows.map(r => ({
    ...toRun(r), steps: trailSteps(r.trail),
    earlierSteps: r.trail_tally && Object.fromEntries(Object.entries(r.trail_tally).map(([step, [entered, left]]) => [step, { entered, left }])),
  }));
}
