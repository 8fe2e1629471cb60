import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attribute } from './attribute.ts';
import type { ModelResult, Path } from './types.ts';

const path = (s: string, conversions: number, value: number, nulls: number): Path => ({
  touches: s.split('>').map(c => ({ channel: c.trim() })), conversions, value, nulls,
});

function markov(paths: Path[], order: number, nulls: boolean): Record<string, { conv: number; value: number; re: number; vre: number }> {
  const [r] = attribute(paths, { models: ['markov'], order, nulls });
  assert.equal(r.order, order);
  return Object.fromEntries(r.channels.map(c => [c.channel, { conv: c.conversions, value: c.value, re: c.removalEffect!, vre: c.valueRemovalEffect! }]));
}

function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
}

describe('Markov model, hand-checked', () => {
  // a>b (1 conversion worth 10, 1 null), a (1 null), b (1 conversion worth 30)
  const paths = [path('a > b', 1, 10, 1), path('a', 0, 0, 1), path('b', 1, 30, 0)];

  it('with nulls: removal effects and credits from the absorbing chain', () => {
    // start→a 3/4 (2 from a>b, 1 from a), start→b 1/4; a→b 2/3, a→null 1/3; b→conv 2/3, b→null 1/3.
    // P(b) = 2/3, P(a) = 2/3·2/3 = 4/9, P(start) = 3/4·4/9 + 1/4·2/3 = 1/2.
    // Without a: 1/4·2/3 = 1/6 → RE(a) = 1 − (1/6)/(1/2) = 2/3. Without b: 0 → RE(b) = 1.
    // Conversions 2 split 2/3 : 1 → a 0.8, b 1.2. Value per conversion ending at b = 40/2 = 20,
    // so value removal effects are the same and 40 splits a 16, b 24.
    const m = markov(paths, 1, true);
    close(m.a.re, 2 / 3, 're a'); close(m.b.re, 1, 're b');
    close(m.a.conv, 0.8, 'conv a'); close(m.b.conv, 1.2, 'conv b');
    close(m.a.vre, 2 / 3, 'vre a'); close(m.a.value, 16, 'value a'); close(m.b.value, 24, 'value b');
  });

  it('without nulls: null-only paths leave the chain and nulls weigh nothing', () => {
    // start→a 1/2, start→b 1/2, a→b 1, b→conv 1: P = 1; without a: 1/2 → RE(a) 1/2; RE(b) 1.
    // 2 conversions split 1/2 : 1 → a 2/3, b 4/3; 40 of value → a 40/3, b 80/3.
    const m = markov(paths, 1, false);
    close(m.a.re, 0.5, 're a'); close(m.b.re, 1, 're b');
    close(m.a.conv, 2 / 3, 'conv a'); close(m.b.conv, 4 / 3, 'conv b');
    close(m.a.value, 40 / 3, 'value a'); close(m.b.value, 80 / 3, 'value b');
  });

  it('solves cycles exactly', () => {
    // a>b>a converts once, b is a null. start→a 1/2, start→b 1/2; a→b 1/2, a→conv 1/2; b→a 1/2, b→null 1/2.
    // x_a = 1/2 + x_b/2, x_b = x_a/2 → x_a = 2/3, x_b = 1/3, P(start) = 1/2.
    // Without b: x_a = 1/2, P = 1/4 → RE(b) = 1/2. Without a: 0 → RE(a) = 1. 1 conversion → a 2/3, b 1/3.
    const m = markov([path('a > b > a', 1, 3, 0), path('b', 0, 0, 1)], 1, true);
    close(m.a.re, 1, 're a'); close(m.b.re, 0.5, 're b');
    close(m.a.conv, 2 / 3, 'conv a'); close(m.b.conv, 1 / 3, 'conv b');
    close(m.a.value, 2, 'value a'); close(m.b.value, 1, 'value b');
  });

  it('value follows the mean value per conversion of the paths ending in each state', () => {
    // x>a (2 conversions worth 100 in all), y>b (2 conversions worth 20): order 1, no nulls.
    // Every walk converts: start→x 1/2 → a → conv; start→y 1/2 → b → conv. Each channel's
    // removal effect is 1/2, so conversions split evenly (1 each).
    // Value per conversion is 50 at a and 10 at b: P·value from start = 1/2·50 + 1/2·10 = 30;
    // without x or a: 5 → value RE 5/6; without y or b: 25 → value RE 1/6.
    // 120 of value → x = a = 120 · (5/6) / 2 = 50, y = b = 10.
    const m = markov([path('x > a', 2, 100, 0), path('y > b', 2, 20, 0)], 1, false);
    for (const c of ['x', 'a', 'y', 'b']) close(m[c].conv, 1, `conv ${c}`);
    close(m.x.vre, 5 / 6, 'vre x'); close(m.b.vre, 1 / 6, 'vre b');
    close(m.x.value, 50, 'value x'); close(m.a.value, 50, 'value a'); close(m.y.value, 10, 'value y'); close(m.b.value, 10, 'value b');
  });

  it('order 2: states are windows of two touches, and removing a channel removes every window holding it', () => {
    // a>b>c converts, d>b>c does not. States ab, bc, db; ab→bc, db→bc, bc→conv 1/2, bc→null 1/2.
    // P = 1/2; without a (ab gone) or d (db gone): 1/4 → RE 1/2; without b or c: 0 → RE 1.
    // The chain forgets where a walk came from at bc, so d shares the credit: 1 × (1/2)/3 = 1/6.
    const paths = [path('a > b > c', 1, 6, 0), path('d > b > c', 0, 0, 1)];
    const m2 = markov(paths, 2, true);
    close(m2.a.re, 0.5, 're a'); close(m2.d.re, 0.5, 're d'); close(m2.b.re, 1, 're b');
    close(m2.a.conv, 1 / 6, 'conv a'); close(m2.d.conv, 1 / 6, 'conv d'); close(m2.b.conv, 1 / 3, 'conv b'); close(m2.c.conv, 1 / 3, 'conv c');
    // Order 3 keeps the whole path as one state: d cannot reach a conversion.
    const m3 = markov(paths, 3, true);
    close(m3.d.re, 0, 're d (order 3)');
    for (const c of ['a', 'b', 'c']) close(m3[c].conv, 1 / 3, `conv ${c} (order 3)`);
  });

  it('a path shorter than the order is one state; repeated states collapse', () => {
    // order 3: "a > b" is the single state ab, distinct from any window of three.
    const short = markov([path('a > b', 1, 0, 0), path('a > b > c', 1, 0, 1)], 3, true);
    // start→ab 1/3 → conv; start→abc 2/3 → conv 1/2. P = 1/3 + 1/3 = 2/3. Without c: 1/3 → RE 1/2.
    close(short.c.re, 0.5, 're c'); close(short.a.re, 1, 're a');
    // "a > a > b" collapses to a, b at order 1, and "a > a > a > b" to aa, ab at order 2.
    const collapsed = markov([path('a > a > b', 1, 5, 1), path('c', 1, 5, 1)], 1, true);
    const plain = markov([path('a > b', 1, 5, 1), path('c', 1, 5, 1)], 1, true);
    assert.deepEqual(collapsed, plain);
    const o2 = markov([path('a > a > a > b', 1, 5, 1), path('c', 1, 5, 1)], 2, true);
    const o2plain = markov([path('a > a > b', 1, 5, 1), path('c', 1, 5, 1)], 2, true);
    assert.deepEqual(o2, o2plain);
  });

  it('order 1 on single-channel paths equals last touch', () => {
    const paths = [path('a', 3, 30, 7), path('b > b', 1, 50, 1), path('c', 0, 0, 4), path('a > a > a', 2, 5, 0)];
    for (const nulls of [true, false]) {
      const [m, last] = attribute(paths, { models: ['markov', 'last'], nulls });
      m.channels.forEach((c, i) => {
        close(c.conversions, last.channels[i].conversions, `conversions ${c.channel}`);
        close(c.value, last.channels[i].value, `value ${c.channel}`);
      });
    }
  });

  it('a channel seen only on paths that never convert gets nothing', () => {
    const paths = [path('a > b', 2, 10, 1), path('ghost > ghost', 0, 0, 5), path('b', 1, 4, 2)];
    for (const nulls of [true, false]) {
      for (const order of [1, 2, 3]) {
        const m = markov(paths, order, nulls);
        assert.deepEqual([m.ghost.conv, m.ghost.value, m.ghost.re], [0, 0, 0]);
      }
    }
  });

  it('gives nothing to anyone when nothing converts', () => {
    const m = markov([path('a > b', 0, 0, 3)], 2, true);
    assert.deepEqual(m.a, { conv: 0, value: 0, re: 0, vre: 0 });
  });

  it('refuses an order that is not a whole number ≥ 1', () => {
    assert.throws(() => attribute([path('a', 1, 0, 0)], { models: ['markov'], order: 0 }), /order/);
    assert.throws(() => attribute([path('a', 1, 0, 0)], { models: ['markov'], order: 1.5 }), /order/);
  });

  it('reports the order and removal effects only on the Markov result', () => {
    const results: ModelResult[] = attribute([path('a > b', 1, 1, 0)], { models: ['last', 'markov'], order: 2 });
    assert.equal(results[0].order, undefined);
    assert.equal(results[0].channels[0].removalEffect, undefined);
    assert.equal(results[1].order, 2);
  });
});
