/**
 * Funnels: how many profiles did each step in order within a window, the conversion
 * between steps, how many dropped off before each step (and who, to save as a segment),
 * and the median time each step took.
 */
import type { Db } from '../../store/index.ts';
import { invalid, notFound } from '../../shared/index.ts';
import type { Range } from '../range.ts';
import { NO_VALUE } from '../journeys/index.ts';
import { checkPattern, fieldProblem, parseCondition, type Condition, type Scalar } from '../touchpoints/index.ts';
import { CREATE_REACH_SQL, funnelReachSql, type FunnelStepSpec } from './sql.ts';

export interface FunnelQuery {
  /** `event` matches an event's name: a track's event, or a page's or screen's name. `where`
   *  reads properties (a bare name is `properties.<name>`); `channel` is where it was recorded. */
  steps: { event: string; where?: { property: string; op: string; value?: Scalar | Scalar[] }[]; channel?: string }[];
  windowMs: number;
  range: Range;
  /** "channel" (where step 1 happened), `traits.x` or an event field of step 1 (`properties.x`). */
  breakdown?: string;
  segmentId?: string;
  /** Return who dropped off before each step. Default false. */
  includeProfiles?: boolean;
  /** Profile ids returned per step. Default 10,000. */
  maxProfiles?: number;
  /** Breakdown values reported, by profiles entering; the rest are summed as "(other)". Default 50. */
  maxGroups?: number;
}

export interface FunnelStepReport {
  step: number;
  event: string;
  entered: number;
  /** Of those who did the step before (1 for step 1). */
  conversionFromPrevious: number;
  conversionFromFirst: number;
  /** Did the step before and not this one within the window (0 for step 1). */
  dropOff: number;
  /** Median seconds from the step before; null for step 1 or when nobody got here. */
  medianSecondsFromPrevious: number | null;
  dropOffProfileIds?: string[];
}

export interface FunnelReport {
  steps: FunnelStepReport[];
  breakdown?: { field: string; groups: { value: string; steps: FunnelStepReport[] }[] };
}

export const MAX_STEPS = 20;

export async function funnelReport(db: Db, workspaceId: string, q: FunnelQuery): Promise<FunnelReport> {
  const steps = checkSteps(q.steps);
  if (q.breakdown !== undefined && q.breakdown !== 'channel') {
    const problem = fieldProblem(q.breakdown);
    if (problem) throw invalid('breakdown', `${problem}, or channel`);
  }
  for (const [i, st] of steps.entries()) {
    for (const [j, c] of st.where.entries()) if (c.op === 'matches') await checkPattern(db, `steps.${i}.where.${j}.value`, String(c.value));
  }
  if (q.segmentId !== undefined) {
    const seg = await db.query('select 1 from segments where id = $1 and workspace_id = $2', [q.segmentId, workspaceId]);
    if (!seg.length) throw notFound(`segment ${q.segmentId}`);
  }
  const n = steps.length;
  const { sql, params } = funnelReachSql({ workspaceId, steps, windowMs: q.windowMs, range: q.range, breakdown: q.breakdown, segmentId: q.segmentId });
  const byBreakdown = q.breakdown !== undefined;
  type Agg = { step: number; bd: string | null; overall: number; entered: number; median: number | null };
  const { agg, drops } = await db.transaction(async tx => {
    await tx.query(CREATE_REACH_SQL);
    await tx.query(sql, params);
    const agg = await tx.query<Agg>(
      `with ranked as (
         select coalesce(bd, $3::text) as bd, row_number() over (order by count(*) desc, coalesce(bd, $3::text)) as rn
           from funnel_reach group by coalesce(bd, $3::text)
       ), g as (
         select r.reached, r.ds, case when k.rn <= $2::int then k.bd else $4::text end as bd
           from funnel_reach r join ranked k on k.bd = coalesce(r.bd, $3::text)
       )
       select s.step, ${byBreakdown ? 'g.bd, grouping(g.bd)' : 'null::text as bd, 1'} as overall,
              count(*) filter (where g.reached >= s.step)::int as entered,
              percentile_cont(0.5) within group (order by case when g.reached >= s.step then g.ds[s.step] end) as median
         from g cross join generate_series(1, $1::int) as s(step)
        group by ${byBreakdown ? 'grouping sets ((s.step), (s.step, g.bd))' : 's.step'}`,
      [n, q.maxGroups ?? 50, NO_VALUE, '(other)']);
    const drops = q.includeProfiles
      ? await tx.query<{ step: number; pid: string }>(
        `select reached + 1 as step, pid from (
           select reached, pid, row_number() over (partition by reached order by pid) as rn from funnel_reach where reached < $1::int
         ) x where rn <= $2::int order by step, pid`, [n, q.maxProfiles ?? 10_000])
      : [];
    return { agg, drops };
  });

  const stepsOf = (rows: Agg[]): FunnelStepReport[] => {
    const entered = steps.map((_, i) => Number(rows.find(r => r.step === i + 1)?.entered ?? 0));
    return steps.map((st, i) => {
      const row = rows.find(r => r.step === i + 1);
      const prev = i === 0 ? entered[0] : entered[i - 1];
      return {
        step: i + 1, event: st.event, entered: entered[i],
        conversionFromPrevious: i === 0 ? 1 : prev > 0 ? entered[i] / prev : 0,
        conversionFromFirst: i === 0 ? 1 : entered[0] > 0 ? entered[i] / entered[0] : 0,
        dropOff: i === 0 ? 0 : prev - entered[i],
        medianSecondsFromPrevious: i === 0 || row?.median == null ? null : Number(row.median),
      };
    });
  };
  const report: FunnelReport = { steps: stepsOf(agg.filter(r => Number(r.overall) === 1)) };
  if (q.includeProfiles) {
    report.steps.forEach(s => { s.dropOffProfileIds = drops.filter(d => Number(d.step) === s.step).map(d => d.pid); });
  }
  if (byBreakdown) {
    const values = [...new Set(agg.filter(r => Number(r.overall) === 0).map(r => r.bd ?? NO_VALUE))];
    const groups = values.map(value => ({ value, steps: stepsOf(agg.filter(r => Number(r.overall) === 0 && (r.bd ?? NO_VALUE) === value)) }));
    groups.sort((a, b) => b.steps[0].entered - a.steps[0].entered || a.value.localeCompare(b.value));
    report.breakdown = { field: q.breakdown!, groups };
  }
  return report;
}

function checkSteps(input: FunnelQuery['steps']): FunnelStepSpec[] {
  if (!Array.isArray(input) || input.length < 1 || input.length > MAX_STEPS) throw invalid('steps', `expected 1 to ${MAX_STEPS} steps`);
  return input.map((st, i) => {
    if (typeof st?.event !== 'string' || st.event === '') throw invalid(`steps.${i}.event`, 'expected an event name');
    const where: Condition[] = (st.where ?? []).map((w, j) => {
      const property = typeof w?.property === 'string' ? w.property : '';
      // A bare name is a property, as analysts write it; a rooted path reads that root.
      const field = /^(properties|context|traits)\./.test(property) ? property : `properties.${property}`;
      if (property === '') throw invalid(`steps.${i}.where.${j}.property`, 'expected a property name');
      try {
        return parseCondition({ field, op: w.op, value: w.value }, `steps.${i}.where.${j}`);
      } catch (e) {
        throw fieldRenamed(e, `steps.${i}.where.${j}.field`, `steps.${i}.where.${j}.property`);
      }
    });
    return { event: st.event, where, ...(st.channel ? { channel: st.channel } : {}) };
  });
}

function fieldRenamed(e: unknown, from: string, to: string): unknown {
  if (e instanceof Error && 'field' in e && (e as { field?: string }).field === from) return invalid(to, e.message.replace(`${from}: `, ''));
  return e;
}
