/**
 * Markov attribution with ChannelAttribution's semantics, solved exactly.
 *
 * Removing a channel removes every state whose window contains it (walks entering them
 * end in (null)). Its removal effect is 1 − P(conv without it) / P(conv), which equals the
 * share of converting walks that visit the channel: the quantity ChannelAttribution
 * counts in its simulations. Conversions go to channels in proportion to their removal
 * effects, scaled to the total conversions; value goes in proportion to the removal
 * effects of the value-weighted chain, scaled to the total value.
 *
 * ChannelAttribution also stops a simulated walk after as many steps as the longest
 * path and counts it as a null; the exact solution has no such cut-off, which only
 * matters for chains that cycle for that long.
 */
import type { Encoded } from './encode.ts';
import { emptyCredits, type Credits } from './heuristic.ts';
import { buildChain } from './markov-chain.ts';
import { components, solve } from './markov-solve.ts';

export interface MarkovCredits extends Credits {
  removalEffect: Float64Array;
  valueRemovalEffect: Float64Array;
}

export function markov(e: Encoded, order: number, withNulls: boolean): MarkovCredits {
  const chain = buildChain(e, order, withNulls);
  const comps = components(chain);
  const n = chain.stateCount;
  const channelCount = e.channels.length;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  solve(chain, comps, null, x, w);
  const p0 = x[0];
  const v0 = w[0];

  // States of each channel, reachable ones only: the others cannot change P(conv).
  const statesOf: number[][] = Array.from({ length: channelCount }, () => []);
  for (let s = 1; s < n; s++) {
    if (comps.of[s] < 0) continue;
    for (let k = chain.stateChannelStart[s]; k < chain.stateChannelStart[s + 1]; k++) statesOf[chain.stateChannelIds[k]].push(s);
  }

  const removalEffect = new Float64Array(channelCount);
  const valueRemovalEffect = new Float64Array(channelCount);
  const removed = new Uint8Array(n);
  for (let c = 0; c < channelCount; c++) {
    const own = statesOf[c];
    if (own.length === 0 || p0 <= 0) continue;
    removed.fill(0);
    for (const s of own) removed[s] = 1;
    solve(chain, comps, removed, x, w);
    // max(0, …): rounding can leave −1e-17 where a channel changes nothing.
    removalEffect[c] = Math.max(0, 1 - x[0] / p0);
    valueRemovalEffect[c] = v0 !== 0 ? Math.max(0, 1 - w[0] / v0) : 0;
  }

  const credits = emptyCredits(channelCount);
  spread(removalEffect, e.totalConversions, credits.conversions);
  spread(valueRemovalEffect, e.totalValue, credits.values);
  return { ...credits, removalEffect, valueRemovalEffect };
}

function spread(effects: Float64Array, total: number, out: Float64Array): void {
  let sum = 0;
  for (const v of effects) sum += v;
  if (sum <= 0) return;
  for (let c = 0; c < effects.length; c++) out[c] = (effects[c] / sum) * total;
}
