/**
 * Path analysis from grouped journeys (a channel sequence, its conversions and nulls):
 * the sequences that convert most, the flow between channels step by step as Sankey data,
 * where journeys that did not convert stalled, and where journeys start and end.
 * Rows are added as they stream out of the database; nothing here reads it.
 */
import type { GroupedRow } from '../journeys/index.ts';

export interface PathStat {
  /** The journey's channels, the last `maxSteps` of them when it was longer. */
  channels: string[];
  /** True when earlier touches were cut off. */
  truncated: boolean;
  journeys: number;
  conversions: number;
  value: number;
  conversionRate: number;
}

export interface ChannelStat { channel: string; journeys: number; conversions: number; conversionRate: number }
export interface StallStat { channel: string; journeys: number; share: number }
export interface SankeyNode { id: string; name: string; step: number | null }
export interface SankeyLink { source: string; target: string; value: number }

export interface PathReport {
  totals: { journeys: number; conversions: number; value: number; conversionRate: number };
  topPaths: PathStat[];
  /** Nodes "k:channel" are the k-th touch (k ≤ maxSteps); "converted" and "dropped" end every flow. */
  sankey: { nodes: SankeyNode[]; links: SankeyLink[] };
  /** Last channel of the journeys that did not convert. */
  stalls: StallStat[];
  starts: ChannelStat[];
  ends: ChannelStat[];
}

export const CONVERTED = 'converted';
export const DROPPED = 'dropped';

interface Tally { journeys: number; conversions: number; value: number }

export class PathReportBuilder {
  private paths = new Map<string, Tally & { channels: string[]; truncated: boolean }>();
  private links = new Map<string, number>();
  private nodes = new Map<string, SankeyNode>();
  private stalls = new Map<string, number>();
  private starts = new Map<string, Tally>();
  private ends = new Map<string, Tally>();
  private total: Tally = { journeys: 0, conversions: 0, value: 0 };

  constructor(private maxSteps: number, private limit: number) {}

  add(rows: readonly GroupedRow[]): void {
    for (const r of rows) this.addOne(r.chs, Number(r.conversions), Number(r.nulls), Number(r.value));
  }

  private addOne(chs: string[], conversions: number, nulls: number, value: number): void {
    const journeys = conversions + nulls;
    if (journeys === 0 || chs.length === 0) return;
    bump(this.total, journeys, conversions, value);

    const truncated = chs.length > this.maxSteps;
    const tail = truncated ? chs.slice(-this.maxSteps) : chs;
    const key = JSON.stringify([truncated, tail]);
    const path = this.paths.get(key) ?? this.paths.set(key, { channels: tail, truncated, journeys: 0, conversions: 0, value: 0 }).get(key)!;
    bump(path, journeys, conversions, value);

    const steps = Math.min(chs.length, this.maxSteps);
    for (let k = 0; k < steps; k++) {
      const id = this.node(k + 1, chs[k]);
      if (k > 0) this.link(`${k}:${chs[k - 1]}`, id, journeys);
    }
    const last = `${steps}:${chs[steps - 1]}`;
    if (conversions > 0) this.link(last, this.end(CONVERTED, 'conversion'), conversions);
    if (nulls > 0) this.link(last, this.end(DROPPED, 'no conversion'), nulls);

    if (nulls > 0) this.stalls.set(chs[chs.length - 1], (this.stalls.get(chs[chs.length - 1]) ?? 0) + nulls);
    bump(tally(this.starts, chs[0]), journeys, conversions, value);
    bump(tally(this.ends, chs[chs.length - 1]), journeys, conversions, value);
  }

  private node(step: number, channel: string): string {
    const id = `${step}:${channel}`;
    if (!this.nodes.has(id)) this.nodes.set(id, { id, name: channel, step });
    return id;
  }

  private end(id: string, name: string): string {
    if (!this.nodes.has(id)) this.nodes.set(id, { id, name, step: null });
    return id;
  }

  private link(source: string, target: string, value: number): void {
    const k = `${source}\u0000${target}`;
    this.links.set(k, (this.links.get(k) ?? 0) + value);
  }

  build(): PathReport {
    const rate = (t: Tally) => (t.journeys > 0 ? t.conversions / t.journeys : 0);
    const byJourneys = (a: { journeys: number; channel: string }, b: { journeys: number; channel: string }) => b.journeys - a.journeys || a.channel.localeCompare(b.channel);
    const channelStats = (m: Map<string, Tally>): ChannelStat[] =>
      [...m.entries()].map(([channel, t]) => ({ channel, journeys: t.journeys, conversions: t.conversions, conversionRate: rate(t) })).sort(byJourneys);
    const stallTotal = [...this.stalls.values()].reduce((a, b) => a + b, 0);
    const nodes = [...this.nodes.values()].sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.id.localeCompare(b.id));
    return {
      totals: { ...this.total, conversionRate: rate(this.total) },
      topPaths: [...this.paths.values()]
        .sort((a, b) => b.conversions - a.conversions || b.journeys - a.journeys || a.channels.join('>').localeCompare(b.channels.join('>')))
        .slice(0, this.limit)
        .map(p => ({ channels: p.channels, truncated: p.truncated, journeys: p.journeys, conversions: p.conversions, value: p.value, conversionRate: rate(p) })),
      sankey: {
        nodes,
        links: [...this.links.entries()].map(([k, value]) => { const [source, target] = k.split('\u0000'); return { source, target, value }; })
          .sort((a, b) => b.value - a.value || a.source.localeCompare(b.source) || a.target.localeCompare(b.target)),
      },
      stalls: [...this.stalls.entries()].map(([channel, journeys]) => ({ channel, journeys, share: stallTotal > 0 ? journeys / stallTotal : 0 })).sort(byJourneys),
      starts: channelStats(this.starts),
      ends: channelStats(this.ends),
    };
  }
}

function bump(t: Tally, journeys: number, conversions: number, value: number): void {
  t.journeys += journeys;
  t.conversions += conversions;
  t.value += value;
}

function tally(m: Map<string, Tally>, k: string): Tally {
  return m.get(k) ?? m.set(k, { journeys: 0, conversions: 0, value: 0 }).get(k)!;
}
