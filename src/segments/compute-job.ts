import type { Tx } from '../store/index.ts';
import type { StageContext } from '../bus/index.ts';
import type { MembershipCache } from './members-cache.ts';
import type { Clock } from '../shared/index.ts';
import type { DefinitionCache, SegmentDef } from './definitions.ts';
import { evaluateProfiles } from './evaluate-profiles.ts';
import { conditionSql } from './condition/index.ts';
import { COMPUTE_JOB } from './service.ts';

interface JobState { segmentId: string; cursor: string; done: number; total: number }

/**
 * One chunk of a segment (re)compute over every profile; the pipeline runs one between its
 * batches until it says there is no more. A chunk is the next `chunk` profiles by id. SQL
 * settles the profiles whose answer it is sure of and whose membership already agrees (see
 * condition/sql.ts); the rest go through the same evaluateProfiles as the other paths, so a
 * full compute cannot disagree with the incremental one.
 */
export function segmentComputeJob(deps: { defs: DefinitionCache; clock: Clock; chunk?: number; members?: MembershipCache }) {
  const chunk = deps.chunk ?? 10_000;
  return async (tx: Tx, ctx?: StageContext): Promise<boolean> => {
    const jobs = await tx.query<{ id: string; workspace_id: string; state: JobState }>(
      'select id, workspace_id, state from pipeline_jobs where kind = $1 order by created_at, id limit 1', [COMPUTE_JOB]);
    const job = jobs[0];
    if (!job) return false;
    const { state } = job;
    const defs = await deps.defs.get(tx, job.workspace_id);
    const seg = defs.segments.find(s => s.id === state.segmentId);
    if (!seg) { await tx.query('delete from pipeline_jobs where id = $1', [job.id]); return true; }
    const [range] = await tx.query<{ hi: string | null; n: number }>(
      `select max(id) as hi, count(*)::int as n from (
         select id from profiles where workspace_id = $1 and merged_into is null and id > $2 order by id limit $3) r`, [job.workspace_id, state.cursor, chunk]);
    const now = deps.clock.now();
    if (range.hi !== null) {
      const ids = await undecided(tx, job.workspace_id, seg, state.cursor, range.hi, now);
      await evaluateProfiles(tx, job.workspace_id, ids, defs, {
        now, segments: [seg], traits: [], emit: null, tag: 'compute', lean: true,
        members: deps.members && ctx ? { cache: deps.members, afterCommit: ctx.afterCommit } : undefined,
      });
    }
    const next = { ...state, cursor: range.hi ?? state.cursor, done: state.done + range.n, total: Math.max(state.total, state.done + range.n) };
    if (range.n < chunk) {
      await tx.query('delete from pipeline_jobs where id = $1', [job.id]);
      await tx.query(`update segments set status = 'ready', progress = $2 where id = $1`, [seg.id, JSON.stringify({ done: next.done, total: next.done })]);
    } else {
      await tx.query('update pipeline_jobs set state = $2 where id = $1', [job.id, JSON.stringify(next)]);
      await tx.query('update segments set progress = $2 where id = $1', [seg.id, JSON.stringify({ done: next.done, total: next.total })]);
    }
    return true;
  };
}

/**
 * The live profiles with ids in (lo, hi] that the evaluator must see: those SQL is not sure
 * about, and those it is sure about whose membership must change (evaluated too, so the
 * membership write stays the evaluator's). The others keep their membership and need no recheck.
 */
export async function undecided(tx: Tx, workspaceId: string, seg: SegmentDef, lo: string, hi: string, now: number): Promise<string[]> {
  const params: unknown[] = [workspaceId, lo, hi, seg.id];
  const d = conditionSql(seg.condition, now, v => `$${params.push(v)}`);
  const counts = d.counts.length ? `left join (
      select profile_id, ${d.counts.map(c => `count(*) filter (where ${c.filter}) as ${c.alias}`).join(', ')}
        from profile_events where profile_id > $2 and profile_id <= $3 and (${d.counts.map(c => c.filter).join(' or ')})
       group by profile_id) c on c.profile_id = p.id` : '';
  const rows = await tx.query<{ id: string }>(
    `select p.id from profiles p ${counts}
      where p.workspace_id = $1 and p.merged_into is null and p.id > $2 and p.id <= $3
        and (${d.expr}) is distinct from exists (select 1 from segment_members m where m.segment_id = $4 and m.profile_id = p.id)`, params);
  return rows.map(r => r.id);
}
