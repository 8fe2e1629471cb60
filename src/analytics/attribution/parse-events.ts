/**
 * Builds paths from an Omnis event export: JSON Lines of events
 * `{type, event, channel, timestamp, profileId | userId | anonymousId, properties}`.
 *
 * - A person is the event's profileId, else its userId, else its anonymousId (the export
 *   of a resolved workspace carries profileId, which already joins a person's devices).
 * - A conversion is a track event named `Order Completed` (configurable); its value is
 *   `properties.revenue`, else `properties.total`, else 0.
 * - A touch is any other track, page or screen event with a channel (an event without a
 *   type is a track); identify, group and alias calls say who someone is, not that they
 *   were reached.
 * - Each conversion gets the touches since the person's previous conversion that are
 *   within the lookback (default 30 days) before it. A conversion with no such touch is
 *   a one-touch path on its own channel ("direct" when it has none), so every order is
 *   counted and the totals still add up.
 * - Touches after a person's last conversion (all of them when they never converted),
 *   within the lookback before the latest of them, make one non-converting path (nulls 1).
 */
import { invalid } from '../../shared/index.ts';
import { linesOf, type LineSource } from './lines.ts';
import type { Path, Touch } from './types.ts';

export interface EventExportOptions {
  /** Default 30 days. */
  lookbackMs?: number;
  /** Default "Order Completed". */
  conversionEvent?: string;
}

interface Item { at: number; seq: number; channel: string; conversion: boolean; value: number; direct?: boolean }

const TOUCH_TYPES = new Set(['track', 'page', 'screen']);

export async function readEventExport(source: LineSource, options: EventExportOptions = {}): Promise<Path[]> {
  const lookback = options.lookbackMs ?? 30 * 86_400_000;
  if (!(lookback > 0 && Number.isFinite(lookback))) throw invalid('lookbackMs', `expected a duration > 0, got ${JSON.stringify(options.lookbackMs)}`);
  const conversionEvent = options.conversionEvent ?? 'Order Completed';
  const people = new Map<string, Item[]>();
  let lineNo = 0;
  let seq = 0;
  for await (const raw of linesOf(source)) {
    lineNo++;
    const line = raw.trim();
    if (line === '') continue;
    let parsed: unknown;
    try { parsed = JSON.parse(line); } catch { throw invalid('event', `line ${lineNo}: not valid JSON`, { line: lineNo }); }
    if (!isObject(parsed)) throw invalid('event', `line ${lineNo}: expected a JSON object`, { line: lineNo });
    const ev = parsed;
    const who = [ev.profileId, ev.userId, ev.anonymousId].find(v => typeof v === 'string' && v !== '');
    if (typeof who !== 'string') throw invalid('profileId', `line ${lineNo}: the event has no profileId, userId or anonymousId`, { line: lineNo });
    const at = time(ev.timestamp, lineNo);
    const channel = typeof ev.channel === 'string' ? ev.channel.trim() : '';
    const props = isObject(ev.properties) ? ev.properties : {};
    const type = ev.type ?? 'track';
    const conversion = type === 'track' && ev.event === conversionEvent;
    let item: Item;
    if (conversion) {
      item = { at, seq: seq++, channel: channel || 'direct', conversion, value: revenue(props.revenue ?? props.total, lineNo) };
    } else if (channel !== '' && typeof type === 'string' && TOUCH_TYPES.has(type)) {
      item = { at, seq: seq++, channel, conversion, value: 0, direct: props.direct === true ? true : undefined };
    } else continue;
    let list = people.get(who);
    if (!list) people.set(who, (list = []));
    list.push(item);
  }

  const paths: Path[] = [];
  for (const items of people.values()) {
    items.sort((a, b) => a.at - b.at || a.seq - b.seq);
    let since = 0;
    for (let i = 0; i < items.length; i++) {
      const conv = items[i];
      if (!conv.conversion) continue;
      const touches = window(items, since, i, conv.at - lookback);
      if (touches.length === 0) touches.push({ channel: conv.channel, at: conv.at });
      paths.push({ touches, conversions: 1, value: conv.value, nulls: 0 });
      since = i + 1;
    }
    if (since < items.length) {
      const touches = window(items, since, items.length, items[items.length - 1].at - lookback);
      paths.push({ touches, conversions: 0, value: 0, nulls: 1 });
    }
  }
  return paths;
}

function window(items: Item[], from: number, to: number, notBefore: number): Touch[] {
  const touches: Touch[] = [];
  for (let j = from; j < to; j++) {
    const it = items[j];
    if (it.at < notBefore) continue;
    touches.push(it.direct ? { channel: it.channel, at: it.at, direct: true } : { channel: it.channel, at: it.at });
  }
  return touches;
}

function time(v: unknown, line: number): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw invalid('timestamp', `line ${line}: expected epoch milliseconds or an ISO date, got ${JSON.stringify(v ?? null)}`, { line });
  return t;
}

function revenue(v: unknown, line: number): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) throw invalid('properties.revenue', `line ${line}: expected a number ≥ 0, got ${JSON.stringify(v)}`, { line });
  return n;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
