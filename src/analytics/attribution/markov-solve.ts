/**
 * Exact absorption probabilities of the chain: x_s = P(s → conv) + Σ_t P(s → t)·x_t, and the
 * same for the value-weighted reward. The system is solved one strongly connected
 * component at a time, sinks first, so each component sees its successors already final:
 * the acyclic part of a chain costs one pass, small cycles (order 1, a handful of
 * channels) are eliminated densely, and large components (the de Bruijn-like graphs of
 * order ≥ 2) are iterated by Gauss-Seidel until the updates reach rounding level.
 * This converges to the values ChannelAttribution's random walks estimate.
 */
import type { Chain } from './markov-chain.ts';

export interface Components {
  /** States in solving order, component by component (sinks first). */
  states: Int32Array;
  /** Component c is states[start[c] .. start[c + 1]). */
  start: Int32Array;
  /** Component of each state; −1 when unreachable from (start). */
  of: Int32Array;
}

const DENSE_MAX = 64;
const MAX_SWEEPS = 100_000;
const TOLERANCE = 1e-14;

/** Tarjan's algorithm from (start), without recursion so long chains cannot overflow the stack. */
export function components(chain: Chain): Components {
  const n = chain.stateCount;
  const { edgeStart, edgeTo } = chain;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  const callState = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const states = new Int32Array(n);
  const of = new Int32Array(n).fill(-1);
  const start: number[] = [0];
  let sp = 0, cp = 0, next = 0, placed = 0;

  const enter = (v: number) => {
    index[v] = low[v] = next++;
    stack[sp++] = v;
    onStack[v] = 1;
    callState[cp] = v;
    callEdge[cp++] = edgeStart[v];
  };
  enter(0);
  while (cp > 0) {
    const v = callState[cp - 1];
    const e = callEdge[cp - 1];
    if (e < edgeStart[v + 1]) {
      callEdge[cp - 1] = e + 1;
      const w = edgeTo[e];
      if (index[w] === -1) enter(w);
      else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
      continue;
    }
    cp--;
    if (cp > 0) {
      const u = callState[cp - 1];
      if (low[v] < low[u]) low[u] = low[v];
    }
    if (low[v] === index[v]) {
      const c = start.length - 1;
      let w: number;
      do {
        w = stack[--sp];
        onStack[w] = 0;
        of[w] = c;
        states[placed++] = w;
      } while (w !== v);
      start.push(placed);
    }
  }
  return { states: states.subarray(0, placed), start: Int32Array.from(start), of };
}

/**
 * Fills x (conversion probability) and w (value-weighted) for every reachable state, with
 * `removed` states held at 0: a walk entering them goes to (null).
 */
export function solve(chain: Chain, comps: Components, removed: Uint8Array | null, x: Float64Array, w: Float64Array): void {
  x.fill(0);
  w.fill(0);
  const { edgeStart, edgeTo, edgeP, pConv, pConvValue } = chain;
  const count = comps.start.length - 1;
  for (let c = 0; c < count; c++) {
    const from = comps.start[c];
    const size = comps.start[c + 1] - from;
    if (size === 1) {
      const s = comps.states[from];
      if (removed && removed[s]) continue;
      let sx = pConv[s], sw = pConvValue[s], self = 0;
      for (let k = edgeStart[s]; k < edgeStart[s + 1]; k++) {
        const t = edgeTo[k];
        if (t === s) self += edgeP[k];
        else { sx += edgeP[k] * x[t]; sw += edgeP[k] * w[t]; }
      }
      x[s] = sx / (1 - self);
      w[s] = sw / (1 - self);
    } else if (size <= DENSE_MAX) {
      dense(chain, comps, c, removed, x, w);
    } else {
      gaussSeidel(chain, comps.states.subarray(from, from + size), removed, x, w);
    }
  }
}

function dense(chain: Chain, comps: Components, c: number, removed: Uint8Array | null, x: Float64Array, w: Float64Array): void {
  const { edgeStart, edgeTo, edgeP, pConv, pConvValue } = chain;
  const members = comps.states.subarray(comps.start[c], comps.start[c + 1]);
  const m = members.length;
  const local = new Map<number, number>();
  for (let i = 0; i < m; i++) local.set(members[i], i);
  const a = new Float64Array(m * m);
  const bx = new Float64Array(m);
  const bw = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const s = members[i];
    a[i * m + i] = 1;
    if (removed && removed[s]) continue;
    bx[i] = pConv[s];
    bw[i] = pConvValue[s];
    for (let k = edgeStart[s]; k < edgeStart[s + 1]; k++) {
      const t = edgeTo[k];
      const j = comps.of[t] === c ? local.get(t) : undefined;
      if (j !== undefined) a[i * m + j] -= edgeP[k];
      else { bx[i] += edgeP[k] * x[t]; bw[i] += edgeP[k] * w[t]; }
    }
  }
  gaussianElimination(a, m, bx, bw);
  for (let i = 0; i < m; i++) { x[members[i]] = bx[i]; w[members[i]] = bw[i]; }
}

/** Solves a·y = b1 and a·y = b2 in place (the answers replace b1, b2), partial pivoting. */
export function gaussianElimination(a: Float64Array, m: number, b1: Float64Array, b2: Float64Array): void {
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]) > Math.abs(a[pivot * m + col])) pivot = r;
    if (pivot !== col) {
      for (let k = 0; k < m; k++) { const tmp = a[col * m + k]; a[col * m + k] = a[pivot * m + k]; a[pivot * m + k] = tmp; }
      let tmp = b1[col]; b1[col] = b1[pivot]; b1[pivot] = tmp;
      tmp = b2[col]; b2[col] = b2[pivot]; b2[pivot] = tmp;
    }
    const d = a[col * m + col];
    for (let r = col + 1; r < m; r++) {
      const f = a[r * m + col] / d;
      if (f === 0) continue;
      for (let k = col; k < m; k++) a[r * m + k] -= f * a[col * m + k];
      b1[r] -= f * b1[col];
      b2[r] -= f * b2[col];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s1 = b1[r], s2 = b2[r];
    for (let k = r + 1; k < m; k++) { s1 -= a[r * m + k] * b1[k]; s2 -= a[r * m + k] * b2[k]; }
    b1[r] = s1 / a[r * m + r];
    b2[r] = s2 / a[r * m + r];
  }
}

function gaussSeidel(chain: Chain, members: Int32Array, removed: Uint8Array | null, x: Float64Array, w: Float64Array): void {
  const { edgeStart, edgeTo, edgeP, pConv, pConvValue } = chain;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let dx = 0, dw = 0, mx = 0, mw = 0;
    for (let i = 0; i < members.length; i++) {
      const s = members[i];
      if (removed && removed[s]) continue;
      let sx = pConv[s], sw = pConvValue[s];
      for (let k = edgeStart[s]; k < edgeStart[s + 1]; k++) {
        const t = edgeTo[k];
        sx += edgeP[k] * x[t];
        sw += edgeP[k] * w[t];
      }
      dx = Math.max(dx, Math.abs(sx - x[s]));
      dw = Math.max(dw, Math.abs(sw - w[s]));
      mx = Math.max(mx, Math.abs(sx));
      mw = Math.max(mw, Math.abs(sw));
      x[s] = sx;
      w[s] = sw;
    }
    if (dx <= TOLERANCE * mx && dw <= TOLERANCE * mw) return;
  }
  // Only a chain whose walks cycle for ~10^5 steps on average could get here.
  throw new Error(`Markov chain did not converge in ${MAX_SWEEPS} sweeps over a component of ${members.length} states`);
}
