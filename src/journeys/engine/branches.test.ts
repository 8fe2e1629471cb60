import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney } from '../definition/index.ts';
import { branchesAhead } from './branches.ts';

const branch = (next: string, other: string) => ({ type: 'branch', cases: [{ if: { trait: 'vip', op: 'eq', value: true }, next }], else: other });

test('branchesAhead: every branch a run can reach before it waits, past splits, sends, audience steps, webhooks and other branches', () => {
  const def = parseJourney({
    name: 'j', entry: { event: 'E' }, start: 'ab',
    steps: {
      ab: { type: 'split', paths: [{ percent: 45, next: 'mail' }, { percent: 45, next: 'ads' }, { percent: 10, holdout: true }] },
      mail: { type: 'send', channel: 'email', template: 't', next: 'b1' },
      ads: { type: 'audience', action: 'add', audience: 'a', platforms: ['facebook'], next: 'hook' },
      hook: { type: 'webhook', url: 'https://example.com/h', next: 'b2' },
      b1: branch('b2', 'w'),
      b2: branch('up', 'end'),
      // Past a wait or an update step the turn is over: their branches are the next turn's.
      w: { type: 'wait', for: '1d', next: 'b3' },
      up: { type: 'update', traits: { seen: true }, next: 'b3' },
      b3: branch('end', 'end'),
      end: { type: 'exit' },
    },
  });
  const ids = (from: string) => branchesAhead(def, from).map(b => Object.entries(def.steps).find(([, s]) => s === b)![0]).sort();
  assert.deepEqual(ids('ab'), ['b1', 'b2']);
  assert.deepEqual(ids('hook'), ['b2']);
  assert.deepEqual(ids('b1'), ['b1', 'b2']);
  assert.deepEqual(ids('w'), []);
  assert.deepEqual(ids('b3'), ['b3']);
  assert.deepEqual(ids('end'), []);
  // Worked out once per version and step.
  assert.equal(branchesAhead(def, 'ab'), branchesAhead(def, 'ab'));
});
