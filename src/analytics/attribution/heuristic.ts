/**
 * Rule-based models. Each splits every path's conversions and value over its touches by
 * fixed weights that sum to 1, so the credits add up to the totals by construction.
 * A channel touched twice in a path is credited for each touch (as ChannelAttribution's
 * linear model does).
 */
import { invalid } from '../../shared/index.ts';
import type { Encoded } from './encode.ts';
import type { PositionWeights } from './types.ts';

export interface Credits {
  conversions: Float64Array;
  values: Float64Array;
}

export const emptyCredits = (channelCount: number): Credits => ({
  conversions: new Float64Array(channelCount),
  values: new Float64Array(channelCount),
});

export function firstTouch(e: Encoded): Credits {
  const c = emptyCredits(e.channels.length);
  for (let i = 0; i < e.pathCount; i++) give(c, e.touches[e.offsets[i]], e, i, 1);
  return c;
}

export function lastTouch(e: Encoded): Credits {
  const c = emptyCredits(e.channels.length);
  for (let i = 0; i < e.pathCount; i++) give(c, e.touches[e.offsets[i + 1] - 1], e, i, 1);
  return c;
}

/** The last touch that is not direct; a path of direct touches only credits its last. */
export function lastNonDirect(e: Encoded): Credits {
  const c = emptyCredits(e.channels.length);
  for (let i = 0; i < e.pathCount; i++) {
    const from = e.offsets[i];
    const last = e.offsets[i + 1] - 1;
    let t = last;
    while (t >= from && e.direct[t] === 1) t--;
    give(c, e.touches[t >= from ? t : last], e, i, 1);
  }
  return c;
}

export function linear(e: Encoded): Credits {
  const c = emptyCredits(e.channels.length);
  for (let i = 0; i < e.pathCount; i++) {
    const from = e.offsets[i];
    const to = e.offsets[i + 1];
    const w = 1 / (to - from);
    for (let t = from; t < to; t++) give(c, e.touches[t], e, i, w);
  }
  return c;
}

/**
 * Weight 2^(−age / half-life), age measured back from the path's latest touch: only
 * ratios matter once the weights are normalised, so the conversion time is not needed.
 * Paths without times (ChannelAttribution files) count positions as unit steps; a path
 * with times on some touches only is refused, as neither reading would be honest.
 */
export function timeDecay(e: Encoded, halfLifeMs: number, halfLifeSteps: number): Credits {
  const c = emptyCredits(e.channels.length);
  const w = new Float64Array(maxLength(e));
  for (let i = 0; i < e.pathCount; i++) {
    const from = e.offsets[i];
    const n = e.offsets[i + 1] - from;
    let timed = 0;
    let latest = -Infinity;
    for (let j = 0; j < n; j++) {
      const at = e.at[from + j];
      if (!Number.isNaN(at)) { timed++; if (at > latest) latest = at; }
    }
    if (timed !== 0 && timed !== n) {
      throw invalid(`paths[${i}].touches`, 'time_decay needs a time (at) on every touch of a path, or on none');
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const age = timed ? (latest - e.at[from + j]) / halfLifeMs : (n - 1 - j) / halfLifeSteps;
      w[j] = Math.pow(2, -age);
      sum += w[j];
    }
    for (let j = 0; j < n; j++) give(c, e.touches[from + j], e, i, w[j] / sum);
  }
  return c;
}

/**
 * First and last touches take their weights, the middle touches share the middle weight.
 * One touch takes everything; two touches split first/last renormalised (0.5/0.5 by default).
 */
export function positionBased(e: Encoded, weights: PositionWeights): Credits {
  const c = emptyCredits(e.channels.length);
  const sum3 = weights.first + weights.middle + weights.last;
  const sum2 = weights.first + weights.last;
  for (let i = 0; i < e.pathCount; i++) {
    const from = e.offsets[i];
    const to = e.offsets[i + 1];
    const n = to - from;
    if (n === 1) { give(c, e.touches[from], e, i, 1); continue; }
    if (n === 2) {
      give(c, e.touches[from], e, i, weights.first / sum2);
      give(c, e.touches[from + 1], e, i, weights.last / sum2);
      continue;
    }
    give(c, e.touches[from], e, i, weights.first / sum3);
    give(c, e.touches[to - 1], e, i, weights.last / sum3);
    const mid = weights.middle / sum3 / (n - 2);
    for (let t = from + 1; t < to - 1; t++) give(c, e.touches[t], e, i, mid);
  }
  return c;
}

export function checkPositionWeights(w: unknown): PositionWeights {
  const o = (w ?? {}) as Record<string, unknown>;
  for (const k of ['first', 'middle', 'last']) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`positionWeights.${k}`, `expected a number ≥ 0, got ${JSON.stringify(v)}`);
  }
  const pw = o as unknown as PositionWeights;
  if (pw.first + pw.last <= 0) throw invalid('positionWeights', 'first and last cannot both be 0');
  return { first: pw.first, middle: pw.middle, last: pw.last };
}

function give(c: Credits, channel: number, e: Encoded, path: number, weight: number): void {
  c.conversions[channel] += e.conversions[path] * weight;
  c.values[channel] += e.values[path] * weight;
}

function maxLength(e: Encoded): number {
  let m = 0;
  for (let i = 0; i < e.pathCount; i++) m = Math.max(m, e.offsets[i + 1] - e.offsets[i]);
  return m;
}
