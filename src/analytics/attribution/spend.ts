/**
 * Return on ad spend and cost per conversion, from spend per channel imported alongside
 * the paths. Spend on a channel no path reached still shows, with nothing attributed,
 * because money spent for no conversion is exactly what an analyst looks for.
 */
import { invalid } from '../../shared/index.ts';
import { linesOf, type LineSource } from './lines.ts';
import type { ChannelCredit, ModelResult } from './types.ts';

export interface SpendEntry {
  channel: string;
  amount: number;
}

export interface ChannelCreditWithSpend extends ChannelCredit {
  spend: number;
  /** value / spend; null without spend. */
  roas: number | null;
  /** spend / conversions; null without conversions. */
  costPerConversion: number | null;
}

export interface ModelResultWithSpend extends Omit<ModelResult, 'channels'> {
  channels: ChannelCreditWithSpend[];
  totalSpend: number;
}

export function withSpend(results: readonly ModelResult[], spend: readonly SpendEntry[]): ModelResultWithSpend[] {
  const byChannel = new Map<string, number>();
  spend.forEach((s, i) => {
    if (typeof s?.channel !== 'string' || s.channel === '') throw invalid(`spend[${i}].channel`, 'expected a non-empty channel name');
    if (typeof s.amount !== 'number' || !Number.isFinite(s.amount) || s.amount < 0) throw invalid(`spend[${i}].amount`, `expected a number ≥ 0, got ${JSON.stringify(s.amount)}`);
    byChannel.set(s.channel, (byChannel.get(s.channel) ?? 0) + s.amount);
  });
  const totalSpend = [...byChannel.values()].reduce((a, b) => a + b, 0);
  return results.map(r => {
    const seen = new Set(r.channels.map(c => c.channel));
    const unreached: ChannelCredit[] = [...byChannel.keys()].filter(c => !seen.has(c)).map(channel => ({
      channel, conversions: 0, value: 0, ...(r.model === 'markov' ? { removalEffect: 0, valueRemovalEffect: 0 } : {}),
    }));
    const channels = [...r.channels, ...unreached].map(c => {
      const amount = byChannel.get(c.channel) ?? 0;
      return { ...c, spend: amount, roas: amount > 0 ? c.value / amount : null, costPerConversion: c.conversions > 0 ? amount / c.conversions : null };
    });
    return { ...r, channels, totalSpend };
  });
}

/** Reads `channel,amount` rows (header required; `;` also accepted; `spend` names the amount too). */
export async function readSpend(source: LineSource): Promise<SpendEntry[]> {
  const out: SpendEntry[] = [];
  let lineNo = 0;
  let sep = ',';
  let col: { channel: number; amount: number } | null = null;
  for await (const raw of linesOf(source)) {
    lineNo++;
    const line = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (line === '') continue;
    if (!col) {
      sep = line.includes(';') ? ';' : ',';
      const header = line.split(sep).map(h => h.trim().replace(/^"|"$/g, '').toLowerCase());
      col = { channel: header.indexOf('channel'), amount: header.includes('amount') ? header.indexOf('amount') : header.indexOf('spend') };
      if (col.channel < 0 || col.amount < 0) throw invalid('header', `line ${lineNo}: expected the header channel,amount, got ${JSON.stringify(line)}`, { line: lineNo });
      continue;
    }
    const fields = line.split(sep).map(f => f.trim().replace(/^"|"$/g, ''));
    const channel = fields[col.channel] ?? '';
    const amount = fields[col.amount] === undefined || fields[col.amount] === '' ? NaN : Number(fields[col.amount]);
    if (channel === '') throw invalid('channel', `line ${lineNo}: expected a channel name`, { line: lineNo });
    if (!Number.isFinite(amount) || amount < 0) throw invalid('amount', `line ${lineNo}: expected a number ≥ 0, got ${JSON.stringify(fields[col.amount] ?? '')}`, { line: lineNo });
    out.push({ channel, amount });
  }
  return out;
}
