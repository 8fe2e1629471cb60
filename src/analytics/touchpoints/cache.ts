/**
 * Keeps analytics_touches current: each event is classified once, when a report first
 * needs it, and again only when the workspace's rules change. Reports then read a narrow
 * table of touchpoints instead of parsing every event body each time.
 *
 * Progress is a seq cursor per workspace, advanced in chunks, each its own transaction, so
 * a first report over ten million events makes steady progress that a crash does not
 * lose. The cursor never passes the pipeline's own (pipeline_state.processed_seq): below
 * it every event is committed and in order, and events past it have no profile yet, so no
 * report could use them anyway.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../store/index.ts';
import { Params } from '../sql.ts';
import { classifySql } from './classify.ts';
import type { Taxonomy } from './types.ts';

/** Event seqs classified per statement. */
export const CLASSIFY_CHUNK = 100_000;

export function rulesHash(t: Taxonomy): string {
  return createHash('sha256').update(JSON.stringify(t.rules)).digest('hex').slice(0, 32);
}

export interface CatchUp {
  /** Touchpoints added. */
  touches: number;
  /** The rules had changed (or never ran): the workspace was classified from the start. */
  rebuilt: boolean;
  /** Every event up to this seq is classified. */
  throughSeq: number;
}

export async function refreshTouches(db: Db, workspaceId: string, t: Taxonomy, chunk = CLASSIFY_CHUNK): Promise<CatchUp> {
  const hash = rulesHash(t);
  const out: CatchUp = { touches: 0, rebuilt: false, throughSeq: 0 };
  const [{ horizon }] = await db.query<{ horizon: number }>('select coalesce(max(processed_seq), 0)::float8 as horizon from pipeline_state');
  for (;;) {
    const step = await db.transaction(async tx => {
      // The row lock makes concurrent reports take turns rather than classify twice.
      const rows = await tx.query<{ rules_hash: string; classified_seq: number }>(
        'select rules_hash, classified_seq::float8 as classified_seq from analytics_touch_state where workspace_id = $1 for update', [workspaceId]);
      if (!rows.length || rows[0].rules_hash !== hash) {
        await tx.query('delete from analytics_touches where workspace_id = $1', [workspaceId]);
        await tx.query(
          `insert into analytics_touch_state (workspace_id, rules_hash, classified_seq) values ($1, $2, 0)
           on conflict (workspace_id) do update set rules_hash = excluded.rules_hash, classified_seq = 0`, [workspaceId, hash]);
        out.rebuilt = true;
        return 'again' as const;
      }
      const from = Number(rows[0].classified_seq);
      out.throughSeq = from;
      if (from >= horizon) return 'done' as const;
      const to = Math.min(from + chunk, horizon);
      const p = new Params();
      const where = `e.workspace_id = ${p.add(workspaceId, 'text')} and e.seq > ${p.add(from, 'bigint')} and e.seq <= ${p.add(to, 'bigint')}`;
      const inserted = await tx.query<{ n: number }>(
        `with ins as (
           insert into analytics_touches (seq, workspace_id, ts, channel)
           select seq, workspace_id, ts, channel from (${classifySql(t, p, where)}) c where channel is not null
           on conflict (seq) do nothing returning 1
         ) select count(*)::int as n from ins`, p.values);
      await tx.query('update analytics_touch_state set classified_seq = $2 where workspace_id = $1', [workspaceId, to]);
      out.touches += Number(inserted[0].n);
      return 'again' as const;
    });
    if (step === 'done') return out;
  }
}
