/** Properties every model keeps, on random path sets (fast-check, fixed seed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attribute } from './attribute.ts';
import { MODEL_NAMES, type Path } from './types.ts';

const CHANNELS = ['a', 'b', 'c', 'd', 'e', 'direct'];

const pathArb = (channels: string[], timed: boolean): fc.Arbitrary<Path> =>
  fc.record({
    channels: fc.array(fc.constantFrom(...channels), { minLength: 1, maxLength: 7 }),
    gaps: fc.array(fc.integer({ min: 0, max: 10 * 86_400_000 }), { minLength: 7, maxLength: 7 }),
    conversions: fc.integer({ min: 0, max: 4 }),
    nulls: fc.integer({ min: 0, max: 4 }),
    perConversion: fc.integer({ min: 0, max: 500 }),
  }).map(({ channels: cs, gaps, conversions, nulls, perConversion }) => {
    let at = 1_700_000_000_000;
    return {
      touches: cs.map((channel, i) => (timed ? { channel, at: (at += gaps[i]) } : { channel })),
      conversions,
      value: conversions * perConversion,
      nulls,
    };
  });

const pathsArb = fc.boolean().chain(timed => fc.array(pathArb(CHANNELS, timed), { minLength: 1, maxLength: 40 }));
const settings = { seed: 20260101, numRuns: 150 };

describe('attribution invariants', () => {
  it('every model\'s credits add up to the conversions and the value', () => {
    fc.assert(fc.property(pathsArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (paths, order, nulls) => {
      const totalConv = paths.reduce((a, p) => a + p.conversions, 0);
      const totalValue = paths.reduce((a, p) => a + p.value, 0);
      for (const r of attribute(paths, { models: 'all', order, nulls })) {
        assert.equal(r.totalConversions, totalConv);
        const conv = r.channels.reduce((a, c) => a + c.conversions, 0);
        const value = r.channels.reduce((a, c) => a + c.value, 0);
        assert.ok(Math.abs(conv - totalConv) <= 1e-9 * Math.max(1, totalConv), `${r.model}: conversions ${conv} ≠ ${totalConv}`);
        assert.ok(Math.abs(value - totalValue) <= 1e-9 * Math.max(1, totalValue), `${r.model}: value ${value} ≠ ${totalValue}`);
        for (const c of r.channels) assert.ok(c.conversions >= 0 && c.value >= 0, `${r.model}: negative credit for ${c.channel}`);
      }
    }), settings);
  });

  it('a channel that only appears on non-converting paths of its own gets nothing', () => {
    const ghostPaths = fc.array(
      fc.record({ n: fc.integer({ min: 1, max: 4 }), nulls: fc.integer({ min: 0, max: 5 }) })
        .map(({ n, nulls }): Path => ({ touches: Array.from({ length: n }, () => ({ channel: 'ghost' })), conversions: 0, value: 0, nulls })),
      { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(pathsArb, ghostPaths, fc.integer({ min: 1, max: 3 }), fc.boolean(), (paths, ghosts, order, nulls) => {
      for (const r of attribute([...paths, ...ghosts], { models: 'all', order, nulls })) {
        const ghost = r.channels.find(c => c.channel === 'ghost')!;
        assert.deepEqual([ghost.conversions, ghost.value], [0, 0], r.model);
      }
    }), settings);
  });

  it('rule models and Shapley give nothing to a channel absent from converting paths', () => {
    fc.assert(fc.property(pathsArb, paths => {
      const converting = new Set(paths.filter(p => p.conversions > 0).flatMap(p => p.touches.map(t => t.channel)));
      const models = MODEL_NAMES.filter(m => m !== 'markov');
      for (const r of attribute(paths, { models })) {
        for (const c of r.channels) if (!converting.has(c.channel)) assert.deepEqual([c.conversions, c.value], [0, 0], `${r.model} ${c.channel}`);
      }
    }), settings);
  });

  it('Markov order 1 on single-channel paths equals last touch', () => {
    const single = fc.record({
      channel: fc.constantFrom(...CHANNELS), n: fc.integer({ min: 1, max: 4 }),
      conversions: fc.integer({ min: 0, max: 3 }), nulls: fc.integer({ min: 0, max: 3 }), perConversion: fc.integer({ min: 0, max: 99 }),
    }).map(({ channel, n, conversions, nulls, perConversion }): Path => ({
      touches: Array.from({ length: n }, () => ({ channel })), conversions, value: conversions * perConversion, nulls,
    }));
    fc.assert(fc.property(fc.array(single, { minLength: 1, maxLength: 30 }), fc.boolean(), (paths, nulls) => {
      const [markov, last] = attribute(paths, { models: ['markov', 'last'], order: 1, nulls });
      markov.channels.forEach((c, i) => {
        assert.ok(Math.abs(c.conversions - last.channels[i].conversions) < 1e-9, `${c.channel} conversions`);
        assert.ok(Math.abs(c.value - last.channels[i].value) < 1e-7, `${c.channel} value`);
      });
    }), settings);
  });

  it('the order of the paths does not change any result', () => {
    fc.assert(fc.property(pathsArb, paths => {
      const order = (rs: ReturnType<typeof attribute>) => rs.map(r => ({ ...r, channels: [...r.channels].sort((x, y) => x.channel.localeCompare(y.channel)) }));
      const a = order(attribute(paths, { models: 'all', order: 2, nulls: true }));
      const b = order(attribute([...paths].reverse(), { models: 'all', order: 2, nulls: true }));
      a.forEach((r, i) => r.channels.forEach((c, j) => {
        assert.ok(Math.abs(c.conversions - b[i].channels[j].conversions) < 1e-9, `${r.model} ${c.channel}`);
      }));
    }), { ...settings, numRuns: 50 });
  });
});
