/**
 * Revenue over time: the conversion event summed per day, week or month, by the channel
 * the conversion was recorded on (web, app, pos...). Periods with nothing are reported as
 * zero so a chart's gaps are real gaps in sales, not missing rows.
 */
import type { Db } from '../../store/index.ts';
import { invalid } from '../../shared/index.ts';
import type { Range } from '../range.ts';
import { numeric, Params } from '../sql.ts';
import { fieldProblem, fieldSql, getTaxonomy } from '../touchpoints/index.ts';

export const REVENUE_INTERVALS = ['day', 'week', 'month'] as const;
export type RevenueInterval = (typeof REVENUE_INTERVALS)[number];

export interface RevenueQuery {
  range: Range;
  interval: RevenueInterval;
  /** Default: the taxonomy's conversion event, valued by properties.revenue, else .total. */
  conversion?: { event?: string; value?: string };
}

export interface RevenuePoint {
  /** Start of the period, UTC, as YYYY-MM-DD. */
  period: string;
  conversions: number;
  revenue: number;
  byChannel: Record<string, number>;
}

export interface RevenueReport { interval: RevenueInterval; event: string; channels: string[]; series: RevenuePoint[]; totals: { conversions: number; revenue: number } }

/** Periods a report may span, so a year by day is fine and a century by day is refused. */
export const MAX_PERIODS = 1000;

export async function revenueReport(db: Db, workspaceId: string, q: RevenueQuery): Promise<RevenueReport> {
  if (!REVENUE_INTERVALS.includes(q.interval)) throw invalid('interval', `expected one of ${REVENUE_INTERVALS.join(', ')}`);
  if (q.conversion?.value !== undefined) {
    const problem = fieldProblem(q.conversion.value);
    if (problem) throw invalid('conversion.value', problem);
  }
  const approx = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000 }[q.interval];
  if ((q.range.to - q.range.from) / approx > MAX_PERIODS) throw invalid('interval', `the range holds more than ${MAX_PERIODS} ${q.interval}s; pick a longer interval`);
  const event = q.conversion?.event ?? (await getTaxonomy(db, workspaceId)).conversion.event;
  const p = new Params();
  const value = q.conversion?.value
    ? `coalesce(${numeric(fieldSql(q.conversion.value, p))}, 0)`
    : `coalesce(${numeric(`(e.body #>> '{properties,revenue}')`)}, ${numeric(`(e.body #>> '{properties,total}')`)}, 0)`;
  const unit = p.add(q.interval, 'text');
  const rows = await db.query<{ period: string; channel: string; n: number; revenue: number }>(
    `select to_char(date_trunc(${unit}, e.ts at time zone 'UTC'), 'YYYY-MM-DD') as period, e.channel,
            count(*)::int as n, coalesce(sum(greatest(${value}, 0)), 0)::float8 as revenue
       from events e
      where e.workspace_id = ${p.add(workspaceId, 'text')} and e.type = 'track' and e.name = ${p.add(event, 'text')}
        and e.ts >= ${p.time(q.range.from)} and e.ts < ${p.time(q.range.to)}
      group by 1, 2`, p.values);
  const series = periods(q.range, q.interval).map(period => ({ period, conversions: 0, revenue: 0, byChannel: {} as Record<string, number> }));
  const at = new Map(series.map(s => [s.period, s]));
  const channels = new Set<string>();
  for (const r of rows) {
    const s = at.get(r.period);
    if (!s) continue;
    s.conversions += Number(r.n);
    s.revenue += Number(r.revenue);
    s.byChannel[r.channel] = (s.byChannel[r.channel] ?? 0) + Number(r.revenue);
    channels.add(r.channel);
  }
  return {
    interval: q.interval, event, channels: [...channels].sort(), series,
    totals: { conversions: series.reduce((a, s) => a + s.conversions, 0), revenue: series.reduce((a, s) => a + s.revenue, 0) },
  };
}

/** Every period start (UTC) from the one holding `from` to the one holding the range's last instant. */
function periods(range: Range, interval: RevenueInterval): string[] {
  const start = new Date(range.from);
  let d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), interval === 'month' ? 1 : start.getUTCDate()));
  // date_trunc('week') starts weeks on Monday.
  if (interval === 'week') d = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
  const out: string[] = [];
  while (d.getTime() < range.to && out.length <= MAX_PERIODS) {
    out.push(d.toISOString().slice(0, 10));
    d = interval === 'month' ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))
      : new Date(d.getTime() + (interval === 'week' ? 7 : 1) * 86_400_000);
  }
  return out;
}
