import type { Scalar } from '../condition/index.ts';

/** Counts values to find the commonest; ties go to the one seen most recently. */
export class Tally {
  private readonly counts = new Map<Scalar, { n: number; seq: number }>();
  private seq = 0;

  /** Adds a value (arrays add each element; objects are ignored). */
  add(v: unknown, normalize?: (s: Scalar) => Scalar): void {
    if (Array.isArray(v)) { for (const x of v) this.add(x, normalize); return; }
    if (v === undefined || v === null || typeof v === 'object') return;
    const key = normalize ? normalize(v as Scalar) : (v as Scalar);
    if (key === null) return;
    const seq = ++this.seq;
    const c = this.counts.get(key);
    if (c) { c.n++; c.seq = seq; } else this.counts.set(key, { n: 1, seq });
  }

  get size(): number { return this.counts.size; }

  best(): Scalar {
    let best: Scalar = null, n = 0, seq = -1;
    for (const [k, c] of this.counts) if (c.n > n || (c.n === n && c.seq > seq)) { best = k; n = c.n; seq = c.seq; }
    return best;
  }
}
