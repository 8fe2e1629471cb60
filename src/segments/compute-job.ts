import type { Tx } from '../store/index.ts';
import type { Clock } from '../shared/index.ts';
import type { DefinitionCache } from './definitions.ts';
import { evaluateProfiles } from './evaluate-profiles.ts';
import { COMPUTE_JOB } from './service.ts';

interface JobState { segmentId: string; cursor: string; done: number; total: number }

/**
 * One chunk of a segment (re)compute over every profile; the pipeline runs one between its
 * batches until it says there is no more. Through the same evaluateProfiles as the other
 * paths, so a full compute cannot disagree with the incremental one.
 */
export function segmentComputeJob(deps: { defs: DefinitionCache; clock: Clock; chunk?: number }) {
  const chunk = deps.chunk ?? 500;
  return async (tx: Tx): Promise<boolean> => {
    const jobs = await tx.query<{ id: string; workspace_id: string; state: JobState }>(
      'select id, workspace_id, state from pipeline_jobs where kind = $1 order by created_at, id limit 1', [COMPUTE_JOB]);
    const job = jobs[0];
    if (!job) return false;
    const { state } = job;
    const defs = await deps.defs.get(tx, job.workspace_id);
    const seg = defs.segments.find(s => s.id === state.segmentId);
    if (!seg) { await tx.query('delete from pipeline_jobs where id = $1', [job.id]); return true; }
    const ids = (await tx.query<{ id: string }>(
      'select id from profiles where workspace_id = $1 and merged_into is null and id > $2 order by id limit $3', [job.workspace_id, state.cursor, chunk])).map(r => r.id);
    await evaluateProfiles(tx, job.workspace_id, ids, defs, { now: deps.clock.now(), segments: [seg], traits: [], emit: null, tag: 'compute' });
    const next = { ...state, cursor: ids[ids.length - 1] ?? state.cursor, done: state.done + ids.length, total: Math.max(state.total, state.done + ids.length) };
    if (ids.length < chunk) {
      await tx.query('delete from pipeline_jobs where id = $1', [job.id]);
      await tx.query(`update segments set status = 'ready', progress = $2 where id = $1`, [seg.id, JSON.stringify({ done: next.done, total: next.done })]);
    } else {
      await tx.query('update pipeline_jobs set state = $2 where id = $1', [job.id, JSON.stringify(next)]);
      await tx.query('update segments set progress = $2 where id = $1', [seg.id, JSON.stringify({ done: next.done, total: next.total })]);
    }
    return true;
  };
}
