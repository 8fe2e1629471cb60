/**
 * Shapley attribution over the game v(S) = conversions (or value) of the paths whose set
 * of channels lies within S.
 *
 * - exact: the classic formula over every coalition, Σ_S |S|!(n−|S|−1)!/n! · (v(S∪i) − v(S)),
 *   with v built for all 2^n coalitions by a subset-sum transform: n ≤ 20.
 * - simplified (Zhao et al. 2018): each channel set S gives R(S)/|S| to each of its
 *   channels, R(S) being the conversions of paths whose channel set is exactly S. v is a
 *   sum of unanimity games with dividends R(S), so this is the same value as `exact`
 *   for any n, in one pass over the distinct sets; the tests hold the two equal.
 * - sampled: the mean marginal contribution over random channel orders (seeded). Each
 *   order gives v(N) in total, so credits still add up exactly.
 *
 * Only channels of paths with conversions or value are players; the others are dummies
 * whose Shapley value is 0, and leaving them out keeps `exact` within reach.
 */
import { invalid } from '../../shared/index.ts';
import type { Encoded } from './encode.ts';
import { emptyCredits, type Credits } from './heuristic.ts';
import { shuffle, seededRandom } from './rng.ts';
import type { ShapleyMethod } from './types.ts';

export const EXACT_MAX_CHANNELS = 20;

export interface ShapleyCredits extends Credits {
  method: Exclude<ShapleyMethod, 'auto'>;
}

interface Game {
  /** Channel id of each player. */
  players: Int32Array;
  /** Players of distinct set k: members[setStart[k] .. setStart[k + 1]). */
  setStart: Int32Array;
  members: Int32Array;
  conversions: Float64Array;
  values: Float64Array;
}

export function shapley(e: Encoded, method: ShapleyMethod, samples: number, seed: number): ShapleyCredits {
  const game = distinctSets(e);
  const n = game.players.length;
  const chosen = method === 'auto' ? (n <= EXACT_MAX_CHANNELS ? 'exact' : 'sampled') : method;
  if (chosen === 'exact' && n > EXACT_MAX_CHANNELS) {
    throw invalid('shapleyMethod', `exact Shapley takes at most ${EXACT_MAX_CHANNELS} channels with conversions, these paths have ${n}; use "simplified" or "sampled"`);
  }
  const phi = chosen === 'exact' ? exact(game) : chosen === 'simplified' ? simplified(game) : sampled(game, samples, seed);
  const credits = emptyCredits(e.channels.length);
  for (let p = 0; p < n; p++) {
    credits.conversions[game.players[p]] = phi.conversions[p];
    credits.values[game.players[p]] = phi.values[p];
  }
  return { ...credits, method: chosen };
}

function distinctSets(e: Encoded): Game {
  const playerOf = new Int32Array(e.channels.length).fill(-1);
  const players: number[] = [];
  const setStart: number[] = [0];
  const members: number[] = [];
  const conv: number[] = [];
  const val: number[] = [];
  const addSet = (channelIds: readonly number[]): number => {
    for (const c of channelIds) {
      if (playerOf[c] < 0) { playerOf[c] = players.length; players.push(c); }
      members.push(playerOf[c]);
    }
    setStart.push(members.length);
    conv.push(0);
    val.push(0);
    return conv.length - 1;
  };
  // Up to 30 channels a path's set is a bit mask: a number key, no string per path.
  const byMask = e.channels.length <= 30;
  const masks = new Map<number, number>();
  const keys = new Map<string, number>();
  const scratch: number[] = [];
  for (let i = 0; i < e.pathCount; i++) {
    if (e.conversions[i] === 0 && e.values[i] === 0) continue;
    let k: number | undefined;
    if (byMask) {
      let mask = 0;
      for (let t = e.offsets[i]; t < e.offsets[i + 1]; t++) mask |= 1 << e.touches[t];
      k = masks.get(mask);
      if (k === undefined) {
        scratch.length = 0;
        for (let c = 0; c < 30; c++) if (mask & (1 << c)) scratch.push(c);
        k = addSet(scratch);
        masks.set(mask, k);
      }
    } else {
      scratch.length = 0;
      for (let t = e.offsets[i]; t < e.offsets[i + 1]; t++) if (!scratch.includes(e.touches[t])) scratch.push(e.touches[t]);
      scratch.sort((a, b) => a - b);
      const key = scratch.join(',');
      k = keys.get(key);
      if (k === undefined) { k = addSet(scratch); keys.set(key, k); }
    }
    conv[k] += e.conversions[i];
    val[k] += e.values[i];
  }
  return {
    players: Int32Array.from(players),
    setStart: Int32Array.from(setStart),
    members: Int32Array.from(members),
    conversions: Float64Array.from(conv),
    values: Float64Array.from(val),
  };
}

function simplified(g: Game): Credits {
  const out = emptyCredits(g.players.length);
  for (let k = 0; k < g.conversions.length; k++) {
    const size = g.setStart[k + 1] - g.setStart[k];
    for (let m = g.setStart[k]; m < g.setStart[k + 1]; m++) {
      out.conversions[g.members[m]] += g.conversions[k] / size;
      out.values[g.members[m]] += g.values[k] / size;
    }
  }
  return out;
}

function exact(g: Game): Credits {
  const n = g.players.length;
  const size = 1 << n;
  const vc = new Float64Array(size);
  const vv = new Float64Array(size);
  for (let k = 0; k < g.conversions.length; k++) {
    let mask = 0;
    for (let m = g.setStart[k]; m < g.setStart[k + 1]; m++) mask |= 1 << g.members[m];
    vc[mask] += g.conversions[k];
    vv[mask] += g.values[k];
  }
  // Subset sums: afterwards v[S] = Σ over sets T ⊆ S of R(T).
  for (let i = 0; i < n; i++) {
    const bit = 1 << i;
    for (let s = 0; s < size; s++) if (s & bit) { vc[s] += vc[s ^ bit]; vv[s] += vv[s ^ bit]; }
  }
  const popcount = new Uint8Array(size);
  for (let s = 1; s < size; s++) popcount[s] = popcount[s >> 1] + (s & 1);
  // weight[k] = k!(n−k−1)!/n! = 1 / (n · C(n−1, k))
  const weight = new Float64Array(Math.max(n, 1));
  let binom = 1;
  for (let k = 0; k < n; k++) {
    weight[k] = 1 / (n * binom);
    binom = (binom * (n - 1 - k)) / (k + 1);
  }
  const out = emptyCredits(n);
  for (let i = 0; i < n; i++) {
    const bit = 1 << i;
    let sc = 0, sv = 0;
    for (let s = 0; s < size; s++) {
      if (s & bit) continue;
      const wk = weight[popcount[s]];
      sc += wk * (vc[s | bit] - vc[s]);
      sv += wk * (vv[s | bit] - vv[s]);
    }
    out.conversions[i] = sc;
    out.values[i] = sv;
  }
  return out;
}

/** A set's dividend goes to whichever of its channels completes it in the order drawn. */
function sampled(g: Game, samples: number, seed: number): Credits {
  const n = g.players.length;
  const setCount = g.conversions.length;
  const setsOfStart = new Int32Array(n + 1);
  for (const p of g.members) setsOfStart[p + 1]++;
  for (let p = 0; p < n; p++) setsOfStart[p + 1] += setsOfStart[p];
  const setsOf = new Int32Array(g.members.length);
  const fill = setsOfStart.slice(0, n);
  for (let k = 0; k < setCount; k++) for (let m = g.setStart[k]; m < g.setStart[k + 1]; m++) setsOf[fill[g.members[m]]++] = k;
  const sizes = new Int32Array(setCount);
  for (let k = 0; k < setCount; k++) sizes[k] = g.setStart[k + 1] - g.setStart[k];

  const random = seededRandom(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const missing = new Int32Array(setCount);
  const out = emptyCredits(n);
  for (let r = 0; r < samples; r++) {
    shuffle(order, random);
    missing.set(sizes);
    for (const p of order) {
      for (let q = setsOfStart[p]; q < setsOfStart[p + 1]; q++) {
        const k = setsOf[q];
        if (--missing[k] === 0) { out.conversions[p] += g.conversions[k]; out.values[p] += g.values[k]; }
      }
    }
  }
  for (let p = 0; p < n; p++) { out.conversions[p] /= samples; out.values[p] /= samples; }
  return out;
}
