/**
 * Attribution over 1,000,000 generated paths: Markov order 1 and 3 and Shapley, each
 * timed end to end through `attribute` (checking, interning, model; best of 3), against a
 * last-touch pass over the same paths as the baseline cost of reading them.
 * Target: Markov order 3 under 2 s.
 *
 * Paths are seeded and shaped like journey data: 10 channels of unequal reach, sticky
 * (people come back through the channel they used), 1–8 touches, about 5% converting,
 * with planted effects: email and search raise the odds of converting, display does not.
 *
 * Run alone: node --import tsx bench/attribution.ts
 */
import { pathToFileURL } from 'node:url';
import { attribute, type ModelResult, type Path, type Touch } from '../src/analytics/index.ts';
import { seededRandom } from '../src/analytics/index.ts';

const PATHS = 1_000_000;
const TARGET_ORDER3_MS = 2000;
const CHANNELS = ['search', 'social', 'email', 'display', 'direct', 'affiliate', 'video', 'sms', 'push', 'referral'];
const REACH = [0.2, 0.16, 0.12, 0.14, 0.1, 0.06, 0.07, 0.05, 0.05, 0.05];
/** Log-odds added to conversion once a channel is in the path. */
const LIFT: Record<string, number> = { email: 1.0, search: 0.7, sms: 0.4, display: 0 };

export default async function bench(report: (line: string) => void): Promise<void> {
  const t0 = performance.now();
  const paths = generate(PATHS, 42);
  const touches = paths.reduce((n, p) => n + p.touches.length, 0);
  const converting = paths.reduce((n, p) => n + p.conversions, 0);
  report(`attribution: generated ${PATHS.toLocaleString('en')} paths, ${touches.toLocaleString('en')} touches, ${(100 * converting / PATHS).toFixed(1)}% converting, in ${ms(performance.now() - t0)}`);

  // Warm the code paths on a slice so the timings below are steady-state.
  attribute(paths.slice(0, 20_000), { models: ['last', 'markov', 'shapley'], order: 3, nulls: true });

  const baseline = time(() => attribute(paths, { models: ['last'] }));
  report(`attribution: last touch (baseline, reading the paths) ${line(baseline.ms)}`);
  const m1 = time(() => attribute(paths, { models: ['markov'], order: 1, nulls: true }));
  report(`attribution: markov order 1 ${line(m1.ms)}, ${ratio(m1.ms, baseline.ms)}`);
  const m3 = time(() => attribute(paths, { models: ['markov'], order: 3, nulls: true }));
  report(`attribution: markov order 3 ${line(m3.ms)}, ${ratio(m3.ms, baseline.ms)}; target < ${ms(TARGET_ORDER3_MS)}: ${m3.ms < TARGET_ORDER3_MS ? 'met' : 'MISSED'}`);
  const sh = time(() => attribute(paths, { models: ['shapley'] }));
  report(`attribution: shapley exact, ${CHANNELS.length} channels ${line(sh.ms)}, ${ratio(sh.ms, baseline.ms)}`);

  report(`attribution: conversion share by channel (planted lift: ${Object.entries(LIFT).map(([c, l]) => `${c} ${l}`).join(', ')})`);
  for (const [name, r] of [['last', baseline.result], ['markov1', m1.result], ['markov3', m3.result], ['shapley', sh.result]] as const) {
    report(`  ${name.padEnd(8)} ${shares(r)}`);
  }
}

/** Best of three runs: the machine is shared, and the best run is the code's own cost. */
function time(run: () => ModelResult[]): { ms: number; result: ModelResult } {
  let best = Infinity;
  let result: ModelResult | undefined;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    [result] = run();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, result: result! };
}

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
const line = (v: number) => `${ms(v)} (${Math.round(PATHS / (v / 1000)).toLocaleString('en')} paths/s)`;
const ratio = (v: number, base: number) => `${(v / base).toFixed(1)}× the baseline`;

function shares(r: ModelResult): string {
  return r.channels
    .map(c => `${c.channel} ${(100 * c.conversions / r.totalConversions).toFixed(1)}%`)
    .join('  ');
}

function generate(count: number, seed: number): Path[] {
  const random = seededRandom(seed);
  // One shared, frozen Touch per channel: a million paths need arrays, not 4.5M objects.
  const touch: Touch[] = CHANNELS.map(channel => Object.freeze({ channel }));
  const cumulative = REACH.map((_, i) => REACH.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const draw = () => {
    const u = random() * cumulative[cumulative.length - 1];
    let i = 0;
    while (cumulative[i] < u) i++;
    return i;
  };
  const lift = CHANNELS.map(c => LIFT[c] ?? 0.15);
  const paths: Path[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(random() * 8);
    const list: Touch[] = new Array(length);
    let logit = -4.1;
    let seen = 0;
    let prev = -1;
    for (let j = 0; j < length; j++) {
      const c = prev >= 0 && random() < 0.3 ? prev : draw();
      list[j] = touch[c];
      if (!(seen & (1 << c))) { seen |= 1 << c; logit += lift[c]; }
      prev = c;
    }
    const converted = random() < 1 / (1 + Math.exp(-logit));
    paths[i] = {
      touches: list,
      conversions: converted ? 1 : 0,
      value: converted ? Math.round(20 + 180 * random() * random() * 100) / 100 : 0,
      nulls: converted ? 0 : 1,
    };
  }
  return paths;
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bench(line => console.log(line));
}
