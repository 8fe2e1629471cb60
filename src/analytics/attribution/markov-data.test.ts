/**
 * The Markov model on ChannelAttribution's own example data (10,000 paths), against
 * solutions computed here independently: string states, map-based counts, and a dense
 * Gaussian elimination (order 1) or plain Jacobi value iteration (orders 2, 3), plus a
 * seeded simulation of ChannelAttribution's own estimator (share of converting random
 * walks that visit each channel) for order 1.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { attribute } from './attribute.ts';
import { readChannelAttribution } from './parse-channelattribution.ts';
import { seededRandom } from './rng.ts';
import type { ModelResult } from './types.ts';

const FILE = '/work/shared/data/attribution/channelattribution-Data.csv';
const text = readFileSync(FILE, 'utf8');
const rows = text.trim().split('\n').slice(1).map(line => {
  const [p, c, v, n] = line.split(';');
  return { channels: p.split('>').map(s => s.trim()).filter(Boolean), conv: Number(c), value: Number(v), nulls: Number(n) };
});
const TOTAL_CONV = rows.reduce((a, r) => a + r.conv, 0);
const TOTAL_VALUE = rows.reduce((a, r) => a + r.value, 0);

interface Reference { conv: Map<string, number>; value: Map<string, number>; re: Map<string, number> }

/** The chain as ChannelAttribution defines it, built the obvious way. */
function chain(order: number, nulls: boolean) {
  const next = new Map<string, Map<string, number>>();
  const valueSum = new Map<string, number>();
  const convSum = new Map<string, number>();
  const bump = (from: string, to: string, w: number) => {
    if (!next.has(from)) next.set(from, new Map());
    next.get(from)!.set(to, (next.get(from)!.get(to) ?? 0) + w);
  };
  for (const r of rows) {
    const vn = nulls ? r.nulls : 0;
    if (r.conv + vn === 0) continue;
    const windows: string[] = [];
    if (r.channels.length <= order) windows.push(r.channels.join('>'));
    else for (let i = 0; i + order <= r.channels.length; i++) windows.push(r.channels.slice(i, i + order).join('>'));
    const states = windows.filter((s, i) => i === 0 || s !== windows[i - 1]);
    let prev = '(start)';
    for (const s of states) { bump(prev, s, r.conv + vn); prev = s; }
    if (r.conv > 0) {
      bump(prev, '(conversion)', r.conv);
      convSum.set(prev, (convSum.get(prev) ?? 0) + r.conv);
      valueSum.set(prev, (valueSum.get(prev) ?? 0) + r.value);
    }
    if (vn > 0) bump(prev, '(null)', vn);
  }
  const states = [...next.keys()];
  const prob = new Map<string, [string, number][]>();
  for (const [s, m] of next) {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    prob.set(s, [...m].map(([t, w]) => [t, w / total]));
  }
  const meanValue = (s: string) => (convSum.get(s) ? valueSum.get(s)! / convSum.get(s)! : 0);
  return { states, prob, meanValue };
}

function reference(order: number, nulls: boolean, solver: 'dense' | 'jacobi'): Reference {
  const { states, prob, meanValue } = chain(order, nulls);
  const channels = [...new Set(rows.flatMap(r => r.channels))];
  const solveWithout = (channel: string | null): [number, number] => {
    const gone = (s: string) => channel !== null && s !== '(start)' && s.split('>').includes(channel);
    const reward = (s: string, valued: boolean) => {
      const p = prob.get(s)!.find(([t]) => t === '(conversion)')?.[1] ?? 0;
      return valued ? p * meanValue(s) : p;
    };
    return [false, true].map(valued => {
      if (solver === 'dense') {
        const n = states.length;
        const a = states.map((s, i) => states.map((_, j) => (i === j ? 1 : 0)));
        const b = states.map(s => (gone(s) ? 0 : reward(s, valued)));
        states.forEach((s, i) => {
          if (gone(s)) return;
          for (const [t, p] of prob.get(s)!) { const j = states.indexOf(t); if (j >= 0) a[i][j] -= p; }
        });
        for (let c = 0; c < n; c++) {
          let piv = c;
          for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
          [a[c], a[piv]] = [a[piv], a[c]];
          [b[c], b[piv]] = [b[piv], b[c]];
          for (let r = 0; r < n; r++) {
            if (r === c) continue;
            const f = a[r][c] / a[c][c];
            for (let k = c; k < n; k++) a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
          }
        }
        return b[states.indexOf('(start)')] / a[states.indexOf('(start)')][states.indexOf('(start)')];
      }
      let x = new Map(states.map(s => [s, 0]));
      for (let iter = 0; iter < 100_000; iter++) {
        const y = new Map<string, number>();
        let delta = 0;
        for (const s of states) {
          let v = 0;
          if (!gone(s)) {
            v = reward(s, valued);
            for (const [t, p] of prob.get(s)!) v += p * (x.get(t) ?? 0);
          }
          y.set(s, v);
          delta = Math.max(delta, Math.abs(v - x.get(s)!));
        }
        x = y;
        if (delta < 1e-16 * (valued ? 100 : 1)) break;
      }
      return x.get('(start)')!;
    }) as [number, number];
  };
  const [p0, v0] = solveWithout(null);
  const re = new Map<string, number>();
  const vre = new Map<string, number>();
  for (const c of channels) {
    const [p, v] = solveWithout(c);
    re.set(c, 1 - p / p0);
    vre.set(c, 1 - v / v0);
  }
  const sumRe = [...re.values()].reduce((a, b) => a + b, 0);
  const sumVre = [...vre.values()].reduce((a, b) => a + b, 0);
  return {
    re,
    conv: new Map(channels.map(c => [c, (re.get(c)! / sumRe) * TOTAL_CONV])),
    value: new Map(channels.map(c => [c, (vre.get(c)! / sumVre) * TOTAL_VALUE])),
  };
}

const paths = await readChannelAttribution(text);

function check(result: ModelResult, ref: Reference) {
  const sumConv = result.channels.reduce((a, c) => a + c.conversions, 0);
  const sumValue = result.channels.reduce((a, c) => a + c.value, 0);
  assert.ok(Math.abs(sumConv - TOTAL_CONV) < 1e-6, `conversions add up to ${sumConv}, not ${TOTAL_CONV}`);
  assert.ok(Math.abs(sumValue - TOTAL_VALUE) < 1e-6, `value adds up to ${sumValue}, not ${TOTAL_VALUE}`);
  assert.equal(result.channels.length, ref.conv.size);
  for (const c of result.channels) {
    assert.ok(Math.abs(c.conversions - ref.conv.get(c.channel)!) < 1e-6, `${c.channel} conversions ${c.conversions} vs ${ref.conv.get(c.channel)}`);
    assert.ok(Math.abs(c.value - ref.value.get(c.channel)!) < 1e-6, `${c.channel} value ${c.value} vs ${ref.value.get(c.channel)}`);
    assert.ok(Math.abs(c.removalEffect! - ref.re.get(c.channel)!) < 1e-9, `${c.channel} removal effect ${c.removalEffect} vs ${ref.re.get(c.channel)}`);
  }
}

describe('Markov on the ChannelAttribution data set', () => {
  it('reads all 10,000 paths with their totals', () => {
    assert.equal(paths.length, 10_000);
    assert.equal(TOTAL_CONV, 19_785);
    assert.equal(paths.reduce((a, p) => a + p.conversions, 0), TOTAL_CONV);
    assert.ok(Math.abs(paths.reduce((a, p) => a + p.value, 0) - TOTAL_VALUE) < 1e-9);
  });

  for (const nulls of [true, false]) {
    it(`order 1${nulls ? ' with nulls' : ''} matches a dense solution`, () => {
      check(attribute(paths, { models: ['markov'], order: 1, nulls })[0], reference(1, nulls, 'dense'));
    });
  }

  for (const order of [2, 3]) {
    it(`order ${order} with nulls matches value iteration`, () => {
      check(attribute(paths, { models: ['markov'], order, nulls: true })[0], reference(order, true, 'jacobi'));
    });
  }

  it('order 2 without nulls matches value iteration', () => {
    check(attribute(paths, { models: ['markov'], order: 2, nulls: false })[0], reference(2, false, 'jacobi'));
  });

  it('order 1 agrees with ChannelAttribution\'s estimator: the share of converting walks that visit a channel', () => {
    const { prob } = chain(1, true);
    const cumulative = new Map([...prob].map(([s, list]) => {
      let acc = 0;
      return [s, list.map(([t, p]) => [t, (acc += p)] as [string, number])];
    }));
    const random = seededRandom(7);
    const visits = new Map<string, number>();
    let converted = 0;
    for (let walk = 0; walk < 200_000; walk++) {
      const seen = new Set<string>();
      let s = '(start)';
      for (;;) {
        const u = random();
        s = cumulative.get(s)!.find(([, c]) => u < c)?.[0] ?? cumulative.get(s)!.at(-1)![0];
        if (s === '(conversion)' || s === '(null)') break;
        seen.add(s);
      }
      if (s !== '(conversion)') continue;
      converted++;
      for (const c of seen) visits.set(c, (visits.get(c) ?? 0) + 1);
    }
    const [m] = attribute(paths, { models: ['markov'], order: 1, nulls: true });
    for (const c of m.channels) {
      const share = (visits.get(c.channel) ?? 0) / converted;
      // ~45,000 converting walks: a share's standard error is at most 0.0024.
      assert.ok(Math.abs(share - c.removalEffect!) < 0.012, `${c.channel}: simulated ${share}, exact ${c.removalEffect}`);
    }
  });
});
