import type { Db } from '../store/index.ts';

export interface Rate { runs: number; conversions: number; rate: number; revenue: number }

/**
 * Difference of two conversion rates with its 95% interval (normal approximation, as the
 * experiment reports of Braze and Iterable do); null when a group is empty.
 */
export function lift(treated: Rate, holdout: Rate): { absolute: number; relative: number | null; ci95: [number, number] } | null {
  if (!treated.runs || !holdout.runs) return null;
  const p1 = treated.rate, p2 = holdout.rate;
  const se = Math.sqrt((p1 * (1 - p1)) / treated.runs + (p2 * (1 - p2)) / holdout.runs);
  const d = p1 - p2;
  return { absolute: d, relative: p2 > 0 ? d / p2 : null, ci95: [d - 1.96 * se, d + 1.96 * se] };
}

const rate = (runs: number, conversions: number, revenue: number): Rate => ({ runs, conversions, rate: runs ? conversions / runs : 0, revenue });

/** Per step: entered, waiting now, moved on, sends; per path and overall: conversions, holdout and lift. */
export async function journeyStats(db: Db, journeyId: string) {
  const [steps, waiting, sends, paths, overall] = await Promise.all([
    db.query<{ step_id: string; entered: number; left: number }>(
      `select step_id, entered, "left" from journey_step_counts where journey_id = $1`, [journeyId]),
    db.query<{ step: string; n: number }>(`select step, count(*)::int as n from journey_runs where journey_id = $1 and status = 'active' and step is not null group by step`, [journeyId]),
    db.query<{ step_id: string; status: string; n: number }>(`select step_id, status, count(*)::int as n from messages where journey_id = $1 group by step_id, status`, [journeyId]),
    db.query<{ path: string | null; holdout: boolean; runs: number; conversions: number; revenue: number }>(
      `select path, holdout, count(*)::int as runs, count(*) filter (where status = 'converted')::int as conversions, coalesce(sum(revenue), 0)::float8 as revenue
         from journey_runs where journey_id = $1 group by path, holdout order by path`, [journeyId]),
    db.query<{ status: string; n: number }>(`select status, count(*)::int as n from journey_runs where journey_id = $1 group by status`, [journeyId]),
  ]);
  const byStep: Record<string, { entered: number; waiting: number; movedOn: number; sends: Record<string, number> }> = {};
  const at = (s: string) => (byStep[s] ??= { entered: 0, waiting: 0, movedOn: 0, sends: {} });
  for (const s of steps) { at(s.step_id).entered = s.entered; at(s.step_id).movedOn = s.left; }
  for (const w of waiting) at(w.step).waiting = w.n;
  for (const m of sends) if (m.step_id) at(m.step_id).sends[m.status] = m.n;
  const treatedRows = paths.filter(p => !p.holdout);
  const holdoutRows = paths.filter(p => p.holdout);
  const sum = (rows: typeof paths) => rate(rows.reduce((a, r) => a + r.runs, 0), rows.reduce((a, r) => a + r.conversions, 0), rows.reduce((a, r) => a + Number(r.revenue), 0));
  const treated = sum(treatedRows);
  const holdout = sum(holdoutRows);
  return {
    journeyId,
    runs: Object.fromEntries(overall.map(o => [o.status, o.n])),
    steps: byStep,
    paths: paths.map(p => ({ path: p.path, holdout: p.holdout, ...rate(p.runs, p.conversions, Number(p.revenue)) })),
    conversions: { treated, holdout, lift: lift(treated, holdout) },
  };
}
