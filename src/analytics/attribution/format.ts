/**
 * The CLI's output. JSON keeps exactly the documented shape
 * `{"models": [{"model", "order"?, "channels": [{"channel", "conversions", "value", "removalEffect"?}]}]}`
 * (plus spend, roas and costPerConversion per channel when spend was given), so scripts
 * can rely on it; CSV is one row per model and channel.
 */
import type { ModelResultWithSpend } from './spend.ts';
import type { ModelResult } from './types.ts';

type Result = ModelResult | ModelResultWithSpend;

export function toJson(results: readonly Result[]): string {
  const models = results.map(r => ({
    model: r.model,
    ...(r.order !== undefined ? { order: r.order } : {}),
    channels: r.channels.map(c => ({
      channel: c.channel,
      conversions: c.conversions,
      value: c.value,
      ...(c.removalEffect !== undefined ? { removalEffect: c.removalEffect } : {}),
      ...('spend' in c ? { spend: c.spend, roas: c.roas, costPerConversion: c.costPerConversion } : {}),
    })),
  }));
  return JSON.stringify({ models }, null, 2) + '\n';
}

export function toCsv(results: readonly Result[]): string {
  const spend = results.some(r => 'totalSpend' in r);
  const rows = [['model', 'order', 'channel', 'conversions', 'value', 'removalEffect', ...(spend ? ['spend', 'roas', 'costPerConversion'] : [])].join(',')];
  for (const r of results) {
    for (const c of r.channels) {
      const row = [r.model, r.order ?? '', cell(c.channel), c.conversions, c.value, c.removalEffect ?? ''];
      if (spend) row.push(...('spend' in c ? [c.spend, c.roas ?? '', c.costPerConversion ?? ''] : ['', '', '']));
      rows.push(row.join(','));
    }
  }
  return rows.join('\n') + '\n';
}

function cell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
