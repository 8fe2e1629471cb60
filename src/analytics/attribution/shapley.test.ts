import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attribute } from './attribute.ts';
import { encodePaths } from './encode.ts';
import { seededRandom } from './rng.ts';
import { shapley } from './shapley.ts';
import type { Path, ShapleyMethod } from './types.ts';

const path = (s: string, conversions: number, value: number, nulls = 0): Path => ({
  touches: s.split('>').map(c => ({ channel: c.trim() })), conversions, value, nulls,
});

function credits(paths: Path[], method: ShapleyMethod, samples = 1000) {
  const [r] = attribute(paths, { models: ['shapley'], shapleyMethod: method, shapleySamples: samples, seed: 3 });
  return Object.fromEntries(r.channels.map(c => [c.channel, [c.conversions, c.value]]));
}

function close(a: number, b: number, tol: number, what: string) {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

/** Random paths over `n` channels, a few of them converting. */
function randomPaths(n: number, count: number, seed: number): Path[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const len = 1 + Math.floor(random() * 5);
    const touches = Array.from({ length: len }, () => ({ channel: `c${Math.floor(random() * random() * n)}` }));
    const conversions = random() < 0.3 ? 1 + Math.floor(random() * 3) : 0;
    return { touches, conversions, value: conversions * Math.round(random() * 100), nulls: conversions ? 0 : 1 };
  });
}

describe('Shapley', () => {
  // Channel sets: {a} 3 conversions, {a, b} 2 (a > b > a counts as {a, b}), {b, c} 1; a null path on d.
  const paths = [path('a', 3, 30), path('a > b > a', 1, 10), path('b > a', 1, 20), path('c > b', 1, 60), path('d', 0, 0, 9)];

  it('simplified (Zhao et al.): each set gives R(S)/|S| to each of its channels', () => {
    // a = 3 + 2/2 = 4; b = 2/2 + 1/2 = 1.5; c = 1/2; d = 0.
    // value: a = 30 + 30/2 = 45; b = 15 + 30 = 45; c = 30.
    assert.deepEqual(credits(paths, 'simplified'), { a: [4, 45], b: [1.5, 45], c: [0.5, 30], d: [0, 0] });
  });

  it('exact: the classic formula over every coalition', () => {
    // v(a) = 3, v(b) = v(c) = 0, v(ab) = 5, v(ac) = 3, v(bc) = 1, v(abc) = 6.
    // φ(a) = 1/3·3 + 1/6·(5 − 0) + 1/6·(3 − 0) + 1/3·(6 − 1) = 1 + 5/6 + 1/2 + 5/3 = 4
    const r = credits(paths, 'exact');
    close(r.a[0], 4, 1e-12, 'a'); close(r.b[0], 1.5, 1e-12, 'b'); close(r.c[0], 0.5, 1e-12, 'c');
    close(r.a[1], 45, 1e-12, 'a value'); close(r.c[1], 30, 1e-12, 'c value');
    assert.deepEqual(r.d, [0, 0]);
  });

  it('exact and simplified agree on random games up to 20 channels', () => {
    for (const [n, seed] of [[5, 1], [12, 2], [20, 3]]) {
      const ps = randomPaths(n, 3000, seed);
      const e = encodePaths(ps);
      const exact = shapley(e, 'exact', 0, 0);
      const simple = shapley(e, 'simplified', 0, 0);
      for (let c = 0; c < e.channels.length; c++) {
        close(exact.conversions[c], simple.conversions[c], 1e-8, `n=${n} ${e.channels[c]} conversions`);
        close(exact.values[c], simple.values[c], 1e-6, `n=${n} ${e.channels[c]} value`);
      }
    }
  });

  it('sampled converges to the exact value and always adds up', () => {
    const ps = randomPaths(8, 2000, 4);
    const exact = credits(ps, 'exact');
    const sampled = credits(ps, 'sampled', 20_000);
    const total = ps.reduce((a, p) => a + p.conversions, 0);
    let sum = 0;
    for (const [c, [conv]] of Object.entries(sampled)) {
      sum += conv;
      close(conv, exact[c][0], 0.02 * total, `${c}`);
    }
    close(sum, total, 1e-6, 'sum');
  });

  it('auto is exact up to 20 channels and sampled (seeded) beyond', () => {
    const small = encodePaths(randomPaths(20, 500, 5));
    assert.equal(shapley(small, 'auto', 10, 1).method, 'exact');
    const big = encodePaths(randomPaths(30, 2000, 6));
    const a = shapley(big, 'auto', 200, 9);
    assert.equal(a.method, 'sampled');
    assert.deepEqual(shapley(big, 'auto', 200, 9).conversions, a.conversions, 'same seed, same draw');
    assert.throws(() => shapley(big, 'exact', 0, 0), /at most 20/);
    // Beyond 20 the simplified form is still exact; the sample should be near it.
    const simple = shapley(big, 'simplified', 0, 0);
    const total = big.totalConversions;
    for (let c = 0; c < big.channels.length; c++) close(a.conversions[c], simple.conversions[c], 0.03 * total, big.channels[c]);
  });

  it('only channels of converting paths are players', () => {
    // 25 channels appear, but only 3 in converting paths: exact is still possible under auto.
    const ps = [...Array.from({ length: 22 }, (_, i) => path(`n${i}`, 0, 0, 1)), path('a > b', 2, 2), path('c', 1, 1)];
    const [r] = attribute(ps, { models: ['shapley'] });
    assert.equal(r.method, 'exact');
    assert.deepEqual(r.channels.filter(c => c.conversions > 0).map(c => [c.channel, c.conversions]), [['a', 1], ['b', 1], ['c', 1]]);
  });
});
