import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../../testing/index.ts';
import { DAY, H, advance, messagesOf, person, publish, setUpChannels, track } from '../acceptance-helpers.ts';

/**
 * A crowd of runs reaching a branch together (timers falling due at one instant, or one batch
 * of entries into a journey that starts with a branch) reads what the branches need once for
 * the batch, and each run still takes the path its own data gives.
 */
forEachStore('branches for a crowd', kind => {
  const CROWD = 12;
  // The statement that reads profiles' events for evaluation (loadStates): one per run when each branch reads on its own.
  const isEventRead = (sql: string) => /from profile_events pe/.test(sql);

  const withOmnis = async (fn: (t: TestOmnis, seen: string[]) => Promise<void>) => {
    const seen: string[] = [];
    const t = await startTestOmnis(kind, { observe: sql => { seen.push(sql); } });
    try { await fn(t, seen); } finally { await t.close(); }
  };
  const templates = async (t: TestOmnis, user: string) => (await messagesOf(t, user)).map(m => m.template_key).sort();

  test('timers falling due together into branches: one read for the crowd, each lookback honoured', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['ever-yes', 'ever-no', 'day-yes', 'day-no']);
    // Two journeys woken by the same timers: one branch looks at all of history, the other at the last day.
    for (const [name, within, yes, no] of [['Ever', undefined, 'ever-yes', 'ever-no'], ['Day', '1d', 'day-yes', 'day-no']] as const) {
      await publish(t, {
        name, entry: { event: 'Start' }, start: 'w',
        steps: {
          w: { type: 'wait', for: '1h', next: 'b' },
          b: { type: 'branch', cases: [{ if: { event: 'Review Submitted', ...(within ? { within } : {}) }, next: 'yes' }], else: 'no' },
          yes: { type: 'send', channel: 'email', template: yes, next: 'end' },
          no: { type: 'send', channel: 'email', template: no, next: 'end' },
          end: { type: 'exit' },
        },
      });
    }
    const users = Array.from({ length: CROWD }, (_, i) => `crowd-${i}`);
    for (const u of users) await person(t, u);
    // A third reviewed two days before the timers fall due, a third within the day, a third never.
    for (const u of users.filter((_, i) => i % 3 === 0)) await track(t, u, 'Review Submitted');
    await t.omnis.settle();
    await advance(t, 2 * DAY - 2 * H);
    for (const u of users.filter((_, i) => i % 3 === 1)) await track(t, u, 'Review Submitted');
    const started = await t.track('/v1/batch', { batch: users.map(userId => ({ type: 'track', userId, event: 'Start' })) });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    await t.omnis.settle();

    seen.length = 0;
    await advance(t, H);
    const reads = seen.filter(isEventRead).length;
    for (const [i, u] of users.entries()) {
      const expected = i % 3 === 0 ? ['day-no', 'ever-yes'] : i % 3 === 1 ? ['day-yes', 'ever-yes'] : ['day-no', 'ever-no'];
      assert.deepEqual(await templates(t, u), expected, u);
    }
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs moving into two branches each`);
  }));

  test('a batch of entries into a journey that starts with a branch: one read for the batch', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['gold', 'plain']);
    await publish(t, {
      name: 'Check', entry: { event: 'Check' }, start: 'b',
      steps: {
        b: { type: 'branch', cases: [{ if: { all: [{ trait: 'tier', op: 'eq', value: 'gold' }, { event: 'Product Viewed', within: '7d' }] }, next: 'gold' }], else: 'plain' },
        gold: { type: 'send', channel: 'email', template: 'gold', next: 'end' },
        plain: { type: 'send', channel: 'email', template: 'plain', next: 'end' },
        end: { type: 'exit' },
      },
    });
    const users = Array.from({ length: CROWD }, (_, i) => `entry-${i}`);
    for (const [i, u] of users.entries()) await person(t, u, { traits: { tier: i % 2 ? 'gold' : 'silver' } });
    for (const u of users.filter((_, i) => i % 4 < 2)) await track(t, u, 'Product Viewed');
    await t.omnis.settle();

    seen.length = 0;
    const r = await t.track('/v1/batch', { batch: users.map(userId => ({ type: 'track', userId, event: 'Check' })) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await t.omnis.settle();
    const reads = seen.filter(isEventRead).length;
    for (const [i, u] of users.entries()) assert.deepEqual(await templates(t, u), [i % 2 && i % 4 < 2 ? 'gold' : 'plain'], u);
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs entering at a branch`);
  }));
});
