import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attribute } from './attribute.ts';
import { readSpend, withSpend } from './spend.ts';
import type { Path } from './types.ts';

const paths: Path[] = [
  { touches: [{ channel: 'search' }], conversions: 4, value: 400, nulls: 0 },
  { touches: [{ channel: 'email' }, { channel: 'social' }], conversions: 0, value: 0, nulls: 2 },
];

describe('spend', () => {
  it('adds spend, ROAS and cost per conversion per channel, summing repeated entries', () => {
    const [r] = withSpend(attribute(paths, { models: ['last'] }), [
      { channel: 'search', amount: 150 }, { channel: 'search', amount: 50 }, { channel: 'email', amount: 10 }, { channel: 'tv', amount: 1000 },
    ]);
    assert.equal(r.totalSpend, 1210);
    assert.deepEqual(r.channels.map(c => [c.channel, c.conversions, c.spend, c.roas, c.costPerConversion]), [
      ['search', 4, 200, 2, 50],
      ['email', 0, 10, 0, null],
      ['social', 0, 0, null, null],
      // Spent on, never reached: shown with nothing attributed.
      ['tv', 0, 1000, 0, null],
    ]);
  });

  it('keeps Markov removal effects and gives an unreached channel a removal effect of 0', () => {
    const [r] = withSpend(attribute(paths, { models: ['markov'] }), [{ channel: 'tv', amount: 5 }]);
    assert.equal(r.channels.find(c => c.channel === 'search')!.removalEffect, 1);
    assert.equal(r.channels.find(c => c.channel === 'tv')!.removalEffect, 0);
  });

  it('refuses a negative amount, naming the entry', () => {
    assert.throws(() => withSpend([], [{ channel: 'a', amount: -1 }]), /spend\[0\]\.amount/);
  });

  it('reads channel,amount files', async () => {
    assert.deepEqual(await readSpend('channel,amount\nsearch,100.5\n"email",3\n'), [{ channel: 'search', amount: 100.5 }, { channel: 'email', amount: 3 }]);
    assert.deepEqual(await readSpend('Spend;Channel\n7;tv\n'), [{ channel: 'tv', amount: 7 }]);
    await assert.rejects(readSpend('channel,amount\nsearch,lots\n'), /line 2/);
    await assert.rejects(readSpend('name,cost\n'), /header channel,amount/);
  });
});
