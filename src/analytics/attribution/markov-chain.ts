/**
 * Builds ChannelAttribution's order-k chain from encoded paths.
 *
 * A state is a window of k consecutive touches (a path shorter than k is one state of
 * all its touches); consecutive identical states collapse into one. Every path walks
 * (start) → its states → (conversion) and/or (null): each step between states weighs the
 * path's conversions + nulls, the final steps weigh its conversions and its nulls. With
 * nulls excluded the nulls count as 0, as in `markov_model(..., var_null=NULL)`.
 *
 * Windows are keyed by a number (channel ids in base C+1, so windows of different lengths
 * never share a key) looked up in a flat table when the key space is small, and the
 * transition counts go into an open-addressing table of int pairs: a million paths cost a
 * few passes over typed arrays, with no string built per touch.
 */
import { invalid } from '../../shared/index.ts';
import type { Encoded } from './encode.ts';

export interface Chain {
  /** States 0 .. stateCount−1; state 0 is (start). Absorbing states are not numbered. */
  stateCount: number;
  /** Distinct channel ids of state s: stateChannelIds[stateChannelStart[s] .. stateChannelStart[s + 1]). */
  stateChannelStart: Int32Array;
  stateChannelIds: Int32Array;
  /** Out-edges of s between states: edgeTo / edgeP[edgeStart[s] .. edgeStart[s + 1]). */
  edgeStart: Int32Array;
  edgeTo: Int32Array;
  edgeP: Float64Array;
  /** P(s → conversion). */
  pConv: Float64Array;
  /** P(s → conversion) × mean value per conversion of the paths ending in s (var_value). */
  pConvValue: Float64Array;
}

const TABLE_LIMIT = 1 << 22;

export function buildChain(e: Encoded, order: number, withNulls: boolean): Chain {
  const base = e.channels.length + 1;
  const space = Math.pow(base, order);
  if (!(space <= Number.MAX_SAFE_INTEGER)) {
    throw invalid('order', `order ${order} with ${e.channels.length} channels has more possible states than this engine can key; use a lower order`);
  }
  const table = space <= TABLE_LIMIT ? new Int32Array(space).fill(-1) : null;
  const map = table ? null : new Map<number, number>();

  let stateCount = 1;
  let convCount: Float64Array = new Float64Array(1024);
  let nullCount: Float64Array = new Float64Array(1024);
  let valueSum: Float64Array = new Float64Array(1024);
  const chStart: number[] = [0, 0];
  const chIds: number[] = [];
  const edges = new EdgeCounter();
  const { offsets, touches } = e;

  const stateOf = (from: number, len: number): number => {
    let key = 0;
    for (let j = len - 1; j >= 0; j--) key = key * base + touches[from + j] + 1;
    let s = table ? table[key] : (map!.get(key) ?? -1);
    if (s >= 0) return s;
    s = stateCount++;
    if (table) table[key] = s; else map!.set(key, s);
    if (s >= convCount.length) {
      convCount = grown(convCount);
      nullCount = grown(nullCount);
      valueSum = grown(valueSum);
    }
    const first = chIds.length;
    for (let j = 0; j < len; j++) {
      const c = touches[from + j];
      let seen = false;
      for (let q = first; q < chIds.length; q++) if (chIds[q] === c) seen = true;
      if (!seen) chIds.push(c);
    }
    chStart.push(chIds.length);
    return s;
  };

  for (let i = 0; i < e.pathCount; i++) {
    const vc = e.conversions[i];
    const vn = withNulls ? e.nulls[i] : 0;
    const vp = vc + vn;
    if (vp === 0) continue;
    const from = offsets[i];
    const to = offsets[i + 1];
    let prev = 0;
    if (to - from <= order) {
      prev = stateOf(from, to - from);
      edges.add(0, prev, vp);
    } else {
      for (let w = from; w + order <= to; w++) {
        const s = stateOf(w, order);
        if (s !== prev) { edges.add(prev, s, vp); prev = s; }
      }
    }
    convCount[prev] += vc;
    nullCount[prev] += vn;
    if (vc > 0) valueSum[prev] += e.values[i];
  }

  const out = new Float64Array(stateCount);
  const edgeStart = new Int32Array(stateCount + 1);
  for (let s = 0; s < stateCount; s++) out[s] = convCount[s] + nullCount[s];
  edges.forEach((f, _t, w) => { out[f] += w; edgeStart[f + 1]++; });
  for (let s = 0; s < stateCount; s++) edgeStart[s + 1] += edgeStart[s];
  const fill = edgeStart.slice(0, stateCount);
  const edgeTo = new Int32Array(edges.size);
  const edgeP = new Float64Array(edges.size);
  edges.forEach((f, t, w) => {
    const k = fill[f]++;
    edgeTo[k] = t;
    edgeP[k] = w / out[f];
  });
  const pConv = new Float64Array(stateCount);
  const pConvValue = new Float64Array(stateCount);
  for (let s = 0; s < stateCount; s++) {
    if (out[s] > 0) {
      pConv[s] = convCount[s] / out[s];
      // (conversions / out) × (value / conversions): the mean value per conversion of the
      // paths ending here, times the chance of converting from here.
      pConvValue[s] = valueSum[s] / out[s];
    }
  }
  return {
    stateCount,
    stateChannelStart: Int32Array.from(chStart),
    stateChannelIds: Int32Array.from(chIds),
    edgeStart, edgeTo, edgeP, pConv, pConvValue,
  };
}

function grown(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Sums weights per (from, to) pair of ints with linear probing. */
class EdgeCounter {
  private from = new Int32Array(4096).fill(-1);
  private to = new Int32Array(4096);
  private w = new Float64Array(4096);
  private mask = 4095;
  size = 0;

  add(f: number, t: number, weight: number): void {
    let h = (Math.imul(f, 0x9e3779b1) ^ Math.imul(t, 0x85ebca6b)) >>> 0;
    h = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const k = this.from[h];
      if (k === -1) {
        this.from[h] = f; this.to[h] = t; this.w[h] = weight;
        if (++this.size * 2 > this.mask) this.rehash();
        return;
      }
      if (k === f && this.to[h] === t) { this.w[h] += weight; return; }
      h = (h + 1) & this.mask;
    }
  }

  forEach(fn: (from: number, to: number, weight: number) => void): void {
    for (let h = 0; h <= this.mask; h++) if (this.from[h] !== -1) fn(this.from[h], this.to[h], this.w[h]);
  }

  private rehash(): void {
    const { from, to, w } = this;
    const cap = (this.mask + 1) * 2;
    this.from = new Int32Array(cap).fill(-1);
    this.to = new Int32Array(cap);
    this.w = new Float64Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let h = 0; h < from.length; h++) if (from[h] !== -1) this.add(from[h], to[h], w[h]);
  }
}
