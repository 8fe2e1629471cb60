/**
 * Attribution over a workspace's stored events: journeys cut in SQL (journeys/), the
 * models run on them (attribution/), spend joined for ROAS, channels flagged offline by
 * the taxonomy so the showroom's share shows beside the web's.
 */
import type { Db } from '../store/index.ts';
import { invalid } from '../shared/index.ts';
import { attribute, withSpend, type ChannelCredit, type ModelName, type ModelResult, type Path, type PositionWeights } from './attribution/index.ts';
import { readJourneyPaths } from './journeys/index.ts';
import type { Range } from './range.ts';
import { spendFor, type SpendTotals } from './spend/index.ts';
import { fieldProblem, getTaxonomy, offlineChannels } from './touchpoints/index.ts';

export interface AttributionQuery {
  range: Range;
  lookbackMs: number;
  models: readonly ModelName[];
  /** Markov order; default 1. */
  order?: number;
  /** Markov: count journeys that did not convert; default false. */
  nulls?: boolean;
  /** time_decay half-life; default 7 days. */
  halfLifeMs?: number;
  positionWeights?: PositionWeights;
  /** Default: the taxonomy's conversion event, valued by properties.revenue, else .total. */
  conversion?: { event?: string; value?: string };
  /** `traits.x` (the profile's), or an event field of the journey (properties.x, context.x, channel...). */
  breakdown?: string;
  /** Breakdown values reported, by conversions; the rest are summed as "(other)". Default 50. */
  maxGroups?: number;
}

export interface ChannelReport {
  channel: string;
  offline: boolean;
  conversions: number;
  value: number;
  /** Markov only. */
  removalEffect?: number;
  /** With spend imported for the range. */
  spend?: number;
  roas?: number | null;
  costPerConversion?: number | null;
}

export interface Split { conversions: number; value: number }

export interface ModelReport {
  model: ModelName;
  order?: number;
  channels: ChannelReport[];
  /** Credit to channels the taxonomy marks offline, and to the rest. */
  online: Split;
  offline: Split;
}

export interface Totals {
  conversions: number;
  value: number;
  /** Journeys in the range that did not convert. */
  nulls: number;
}

export interface AttributionReport {
  models: ModelReport[];
  totals: Totals & { spend?: number; currencies?: (string | null)[] };
  breakdown?: { field: string; groups: { value: string; models: ModelReport[]; totals: Totals }[] };
}

export const OTHER = '(other)';

export async function storeAttribution(db: Db, workspaceId: string, q: AttributionQuery): Promise<AttributionReport> {
  if (q.breakdown !== undefined) {
    const problem = fieldProblem(q.breakdown);
    if (problem) throw invalid('breakdown', problem);
  }
  if (q.conversion?.value !== undefined) {
    const problem = fieldProblem(q.conversion.value);
    if (problem) throw invalid('conversion.value', problem);
  }
  const taxonomy = await getTaxonomy(db, workspaceId);
  const offline = offlineChannels(taxonomy);
  const { paths, groups } = await readJourneyPaths(db, {
    workspaceId, range: q.range, lookbackMs: q.lookbackMs, taxonomy, breakdown: q.breakdown,
    conversion: { event: q.conversion?.event ?? taxonomy.conversion.event, value: q.conversion?.value },
    // Only time decay reads touch times; without it identical journeys are summed in SQL.
    mode: q.models.includes('time_decay') ? 'timed' : 'grouped',
  });
  const spend = await spendFor(db, workspaceId, q.range);
  const run = (list: Path[], withSpendOf: SpendTotals | null) => report(attribute(list, {
    models: q.models, order: q.order, nulls: q.nulls, halfLifeMs: q.halfLifeMs, positionWeights: q.positionWeights,
  }), offline, withSpendOf);

  const hasSpend = spend.byChannel.length > 0;
  const out: AttributionReport = {
    models: run(paths, hasSpend ? spend : null),
    totals: { ...totals(paths), ...(hasSpend ? { spend: spend.total, currencies: spend.currencies } : {}) },
  };
  if (q.breakdown !== undefined) {
    out.breakdown = {
      field: q.breakdown,
      // Spend is bought per channel, not per city or store: it stays with the overall report.
      groups: capGroups(groups, q.maxGroups ?? 50).map(([value, list]) => ({ value, models: run(list, null), totals: totals(list) })),
    };
  }
  return out;
}

function report(results: ModelResult[], offline: Set<string>, spend: SpendTotals | null): ModelReport[] {
  const withMoney = spend ? withSpend(results, spend.byChannel) : null;
  return results.map((r, i) => {
    const channels: ChannelReport[] = (withMoney ? withMoney[i].channels : r.channels).map(c => channelReport(c, offline));
    channels.sort((a, b) => b.conversions - a.conversions || b.value - a.value || a.channel.localeCompare(b.channel));
    const split = (off: boolean): Split => channels.filter(c => c.offline === off).reduce((s, c) => ({ conversions: s.conversions + c.conversions, value: s.value + c.value }), { conversions: 0, value: 0 });
    return { model: r.model, ...(r.order !== undefined ? { order: r.order } : {}), channels, online: split(false), offline: split(true) };
  });
}

function channelReport(c: ChannelCredit & { spend?: number; roas?: number | null; costPerConversion?: number | null }, offline: Set<string>): ChannelReport {
  const out: ChannelReport = { channel: c.channel, offline: offline.has(c.channel), conversions: c.conversions, value: c.value };
  if (c.removalEffect !== undefined) out.removalEffect = c.removalEffect;
  if (c.spend !== undefined) Object.assign(out, { spend: c.spend, roas: c.roas ?? null, costPerConversion: c.costPerConversion ?? null });
  return out;
}

function totals(paths: readonly Path[]): Totals {
  const t: Totals = { conversions: 0, value: 0, nulls: 0 };
  for (const p of paths) {
    t.conversions += p.conversions;
    t.value += p.value;
    t.nulls += p.nulls;
  }
  return t;
}

/** The biggest groups by conversions (then journeys); the rest summed as "(other)". */
function capGroups(groups: Map<string, Path[]>, max: number): [string, Path[]][] {
  const size = (list: Path[]) => list.reduce((s, p) => s + p.conversions, 0);
  const reach = (list: Path[]) => list.reduce((s, p) => s + p.conversions + p.nulls, 0);
  const sorted = [...groups.entries()].sort((a, b) => size(b[1]) - size(a[1]) || reach(b[1]) - reach(a[1]) || a[0].localeCompare(b[0]));
  if (sorted.length <= max) return sorted;
  const rest = sorted.slice(max).flatMap(([, list]) => list);
  const kept = sorted.slice(0, max);
  const other = kept.find(([v]) => v === OTHER);
  if (other) other[1].push(...rest);
  else kept.push([OTHER, rest]);
  return kept;
}

