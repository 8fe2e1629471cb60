import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attribute } from './attribute.ts';
import type { ModelName, ModelResult, Path, Touch } from './types.ts';

const DAY = 86_400_000;
const t = (...channels: string[]): Touch[] => channels.map(channel => ({ channel }));

/** Channel → [conversions, value], zero credits left out. */
function credits(r: ModelResult): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const c of r.channels) if (c.conversions !== 0 || c.value !== 0) out[c.channel] = [round(c.conversions), round(c.value)];
  return out;
}
const round = (v: number) => Math.round(v * 1e9) / 1e9;
const run = (paths: Path[], model: ModelName, options = {}) => credits(attribute(paths, { models: [model], ...options })[0]);

// P3 never converts, so none of its channels may gain from it.
const PATHS: Path[] = [
  { touches: t('search', 'email', 'direct'), conversions: 2, value: 100, nulls: 0 },
  { touches: t('direct'), conversions: 1, value: 30, nulls: 0 },
  { touches: t('email', 'search'), conversions: 0, value: 0, nulls: 5 },
  { touches: t('social', 'search', 'email', 'display'), conversions: 1, value: 40, nulls: 3 },
];

describe('rule-based models, hand-checked', () => {
  it('first touch credits the first channel of each path', () => {
    assert.deepEqual(run(PATHS, 'first'), { search: [2, 100], direct: [1, 30], social: [1, 40] });
  });

  it('last touch credits the last channel of each path', () => {
    // P1 → direct (2, 100), P2 → direct (1, 30), P4 → display (1, 40)
    assert.deepEqual(run(PATHS, 'last'), { direct: [3, 130], display: [1, 40] });
  });

  it('last non-direct skips direct touches, unless the path has nothing else', () => {
    // P1 → email (the touch before direct); P2 is direct only → direct; P4 → display
    assert.deepEqual(run(PATHS, 'last_non_direct'), { email: [2, 100], direct: [1, 30], display: [1, 40] });
  });

  it('last non-direct honours the direct flag and the directChannels option', () => {
    const paths: Path[] = [{ touches: [{ channel: 'email' }, { channel: 'web', direct: true }], conversions: 1, value: 5, nulls: 0 }];
    assert.deepEqual(run(paths, 'last_non_direct'), { email: [1, 5] });
    const typed: Path[] = [{ touches: t('email', 'typed-in'), conversions: 1, value: 5, nulls: 0 }];
    assert.deepEqual(run(typed, 'last_non_direct'), { 'typed-in': [1, 5] });
    assert.deepEqual(run(typed, 'last_non_direct', { directChannels: ['Typed-In'] }), { email: [1, 5] });
  });

  it('linear splits each path evenly over its touches', () => {
    // P1: 2/3 conversion and 100/3 value to each of search, email, direct. P2: direct 1, 30.
    // P4: 1/4 and 10 to each of social, search, email, display.
    // search = email = 2/3 + 1/4 = 11/12, value 100/3 + 10; direct = 2/3 + 1 = 5/3, value 100/3 + 30.
    assert.deepEqual(run(PATHS, 'linear'), {
      search: [round(11 / 12), round(100 / 3 + 10)],
      email: [round(11 / 12), round(100 / 3 + 10)],
      direct: [round(5 / 3), round(100 / 3 + 30)],
      social: [0.25, 10],
      display: [0.25, 10],
    });
  });

  it('linear credits a channel once per touch', () => {
    const paths: Path[] = [{ touches: t('a', 'b', 'a'), conversions: 3, value: 9, nulls: 0 }];
    assert.deepEqual(run(paths, 'linear'), { a: [2, 6], b: [1, 3] });
  });

  it('position gives 40/20/40, middle touches sharing the 20', () => {
    // P1: search .4×2, email .2×2, direct .4×2 (+ P2 direct 1); P4: social .4, search .1, email .1, display .4
    // values: P1 40/20/40, P2 30, P4 16/4/4/16
    assert.deepEqual(run(PATHS, 'position'), {
      search: [0.9, 44], email: [0.5, 24], direct: [1.8, 70], social: [0.4, 16], display: [0.4, 16],
    });
  });

  it('position gives one touch everything and two touches first/last renormalised', () => {
    const paths: Path[] = [
      { touches: t('a'), conversions: 1, value: 10, nulls: 0 },
      { touches: t('b', 'c'), conversions: 1, value: 10, nulls: 0 },
    ];
    assert.deepEqual(run(paths, 'position'), { a: [1, 10], b: [0.5, 5], c: [0.5, 5] });
    // 0.3/0.4/0.3: two touches still split 0.3/0.3 → 0.5/0.5; four touches give .3, .2, .2, .3
    const w = { positionWeights: { first: 0.3, middle: 0.4, last: 0.3 } };
    assert.deepEqual(run(paths, 'position', w), { a: [1, 10], b: [0.5, 5], c: [0.5, 5] });
    const four: Path[] = [{ touches: t('a', 'b', 'c', 'd'), conversions: 10, value: 100, nulls: 0 }];
    assert.deepEqual(run(four, 'position', w), { a: [3, 30], b: [2, 20], c: [2, 20], d: [3, 30] });
    // Weights are normalised: 2/1/1 on three touches is 0.5/0.25/0.25.
    const three: Path[] = [{ touches: t('a', 'b', 'c'), conversions: 4, value: 8, nulls: 0 }];
    assert.deepEqual(run(three, 'position', { positionWeights: { first: 2, middle: 1, last: 1 } }), { a: [2, 4], b: [1, 2], c: [1, 2] });
  });

  it('position refuses negative or all-zero end weights', () => {
    assert.throws(() => attribute(PATHS, { models: ['position'], positionWeights: { first: -1, middle: 0, last: 1 } }), /positionWeights.first/);
    assert.throws(() => attribute(PATHS, { models: ['position'], positionWeights: { first: 0, middle: 1, last: 0 } }), /positionWeights/);
  });

  it('time decay without times halves the weight per step back', () => {
    // weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7 of 7 conversions and 70 value
    const paths: Path[] = [{ touches: t('a', 'b', 'c'), conversions: 7, value: 70, nulls: 0 }];
    assert.deepEqual(run(paths, 'time_decay'), { a: [1, 10], b: [2, 20], c: [4, 40] });
    // half-life 2 steps: 2^-1, 2^-0.5, 1
    const r = run(paths, 'time_decay', { halfLifeSteps: 2 });
    const sum = 0.5 + Math.SQRT1_2 + 1;
    assert.deepEqual(r.a, [round(7 * 0.5 / sum), round(70 * 0.5 / sum)]);
  });

  it('time decay with times halves the weight per half-life before the last touch', () => {
    const at = (channel: string, days: number): Touch => ({ channel, at: days * DAY });
    // default half-life 7 days: ages 14, 7, 0 days → 1/4, 1/2, 1 → 1/7, 2/7, 4/7
    const paths: Path[] = [{ touches: [at('a', 0), at('b', 7), at('c', 14)], conversions: 7, value: 14, nulls: 0 }];
    assert.deepEqual(run(paths, 'time_decay'), { a: [1, 2], b: [2, 4], c: [4, 8] });
    // half-life 1 day, touches 1 day apart and a third at the same time as the second: 1/2, 1, 1 → 1/5, 2/5, 2/5
    const same: Path[] = [{ touches: [at('a', 0), at('b', 1), at('c', 1)], conversions: 5, value: 5, nulls: 0 }];
    assert.deepEqual(run(same, 'time_decay', { halfLifeMs: DAY }), { a: [1, 1], b: [2, 2], c: [2, 2] });
  });

  it('time decay refuses a path with times on some touches only', () => {
    const paths: Path[] = [{ touches: [{ channel: 'a', at: 0 }, { channel: 'b' }], conversions: 1, value: 0, nulls: 0 }];
    assert.throws(() => attribute(paths, { models: ['time_decay'] }), /paths\[0\]\.touches.*every touch/);
  });
});
