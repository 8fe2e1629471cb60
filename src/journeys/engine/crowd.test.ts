import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../../testing/index.ts';
import { DAY, H, advance, messagesOf, person, publish, setUpChannels, track } from '../acceptance-helpers.ts';

/**
 * Crowds of runs taking a step together (timers falling due at one instant, or one batch of
 * entries): a branch reads what it needs once for the batch, also past the steps a run goes
 * straight through before it, and an audience step adds the
 * whole crowd in one statement; each run still takes the path its own data gives.
 */
forEachStore('journey steps for a crowd', kind => {
  const CROWD = 12;
  // The statement that reads profiles' events for evaluation (loadStates): one per run when each branch reads on its own.
  const isEventRead = (sql: string) => /from profile_events pe/.test(sql);

  const withOmnis = async (fn: (t: TestOmnis, seen: string[]) => Promise<void>) => {
    const seen: string[] = [];
    const t = await startTestOmnis(kind, { observe: sql => { seen.push(sql); } });
    try { await fn(t, seen); } finally { await t.close(); }
  };
  /** One tracking batch with the event for every user: one pipeline batch. */
  const trackAll = async (t: TestOmnis, users: string[], event: string, properties: Record<string, unknown> = {}) => {
    const r = await t.track('/v1/batch', { batch: users.map(userId => ({ type: 'track', userId, event, properties })) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.rejected ?? [], []);
  };
  /** CROWD people named `prefix-n`, each entering with `event` in one batch, settled; then the statements seen are cleared. */
  const enterCrowd = async (t: TestOmnis, seen: string[], prefix: string, event: string, traits?: Record<string, unknown>) => {
    const users = Array.from({ length: CROWD }, (_, i) => `${prefix}-${i}`);
    for (const u of users) await person(t, u, { traits });
    await trackAll(t, users, event);
    await t.omnis.settle();
    seen.length = 0;
    return users;
  };
  const templates = async (t: TestOmnis, user: string) => (await messagesOf(t, user)).map(m => m.template_key).sort();
  /** From step `b` on: a branch on a review within 30 days, an email either way ('fan' or 'newcomer'), the exit. */
  const REVIEW_BRANCH = {
    b: { type: 'branch', cases: [{ if: { event: 'Review Submitted', within: '30d' }, next: 'fan' }], else: 'newcomer' },
    fan: { type: 'send', channel: 'email', template: 'fan', next: 'end' },
    newcomer: { type: 'send', channel: 'email', template: 'newcomer', next: 'end' },
    end: { type: 'exit' },
  };
  /** What REVIEW_BRANCH sends the n-th person of reviewedCrowd. */
  const reviewed = (n: number) => (n % 2 ? 'fan' : 'newcomer');
  /** CROWD people named `prefix-n`, every second one with a review, entering with `event` in one batch, settled; then the statements seen are cleared. */
  const reviewedCrowd = async (t: TestOmnis, seen: string[], prefix: string, event: string) => {
    const users = Array.from({ length: CROWD }, (_, i) => `${prefix}-${i}`);
    for (const u of users) await person(t, u);
    for (const u of users.filter((_, i) => i % 2)) await track(t, u, 'Review Submitted');
    await trackAll(t, users, event);
    await t.omnis.settle();
    seen.length = 0;
    return users;
  };

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
    await trackAll(t, users, 'Start');
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
    await trackAll(t, users, 'Check');
    await t.omnis.settle();
    const reads = seen.filter(isEventRead).length;
    for (const [i, u] of users.entries()) assert.deepEqual(await templates(t, u), [i % 2 && i % 4 < 2 ? 'gold' : 'plain'], u);
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs entering at a branch`);
  }));

  test('a crowd woken into an audience step: added in one statement, once per profile, expiring together in one', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, []);
    // Two journeys add the same people to the same audience in the same batch: one membership each.
    for (const name of ['Retarget A', 'Retarget B']) {
      await publish(t, {
        name, entry: { event: 'Cart Left' }, start: 'w',
        steps: {
          w: { type: 'wait', for: '1h', next: 'ads' },
          ads: { type: 'audience', action: 'add', audience: 'retarget-cart', platforms: ['facebook'], for: '2d', next: 'end' },
          end: { type: 'exit' },
        },
      });
    }
    await enterCrowd(t, seen, 'aud', 'Cart Left');
    await advance(t, H);
    const inserts = seen.filter(sql => /insert into audience_memberships/.test(sql)).length;
    const open = async () => t.omnis.db.query<{ profile_id: string; journey_id: string; removed_reason: string | null }>(
      `select profile_id, journey_id, removed_reason from audience_memberships where audience = 'retarget-cart' order by id`);
    const added = await open();
    assert.equal(added.length, CROWD);
    assert.equal(new Set(added.map(m => m.profile_id)).size, CROWD);
    assert.equal(added.filter(m => m.removed_reason === null).length, CROWD);
    assert.ok(inserts >= 1 && inserts < CROWD / 2, `${inserts} inserts into audience_memberships for ${CROWD} runs`);
    seen.length = 0;
    await advance(t, 2 * DAY);
    const updates = seen.filter(sql => /update audience_memberships/.test(sql)).length;
    assert.deepEqual([...new Set((await open()).map(m => m.removed_reason))], ['expired']);
    assert.ok(updates >= 1 && updates < CROWD / 2, `${updates} updates of audience_memberships for ${CROWD} memberships expiring together`);
  }));

  test('a crowd woken into an update step: its identifies are emitted in one statement, and every run goes on after its own', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['welcome-gold']);
    await publish(t, {
      name: 'Upgrade', entry: { event: 'Qualified' }, start: 'w',
      steps: {
        w: { type: 'wait', for: '1h', next: 'up' },
        up: { type: 'update', traits: { tier: 'gold' }, next: 'b' },
        b: { type: 'branch', cases: [{ if: { trait: 'tier', op: 'eq', value: 'gold' }, next: 'mail' }], else: 'end' },
        mail: { type: 'send', channel: 'email', template: 'welcome-gold', next: 'end' },
        end: { type: 'exit' },
      },
    });
    const users = await enterCrowd(t, seen, 'upd', 'Qualified', { tier: 'silver' });
    await advance(t, H);
    const inserts = seen.filter(sql => /insert into events \(/.test(sql)).length;
    const reads = seen.filter(isEventRead).length;
    for (const u of users) assert.deepEqual(await templates(t, u), ['welcome-gold'], u);
    assert.ok(inserts >= 1 && inserts < CROWD / 2, `${inserts} inserts into the event log for ${CROWD} update steps`);
    // The branch after the update step reads once for the crowd too, when the identifies come through.
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs going on from an update step into a branch`);
  }));

  test('fallback timers moving a crowd on from its last channel into a branch: one read for the crowd', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['hi', 'fan', 'newcomer'], ['hi']);
    await publish(t, {
      name: 'Fallback', entry: { event: 'Joined' }, start: 'hi',
      steps: {
        hi: { type: 'send', channel: ['email', 'sms'], template: 'hi', fallback_after: '1h', next: 'b' },
        ...REVIEW_BRANCH,
      },
    });
    const users = await reviewedCrowd(t, seen, 'fb', 'Joined');
    await advance(t, H);
    const reads = seen.filter(isEventRead).length;
    for (const [i, u] of users.entries()) {
      const sent = (await messagesOf(t, u)).map(m => `${m.channel}:${m.template_key}`).sort();
      assert.deepEqual(sent, ['email:hi', `email:${reviewed(i)}`, 'sms:hi'].sort(), u);
    }
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs falling back into a branch`);
  }));

  test('timers falling due together into a split, then a send or an audience step, then a branch: one read for the crowd', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['hello', 'fan', 'newcomer']);
    await publish(t, {
      name: 'Split first', entry: { event: 'Joined' }, start: 'w',
      steps: {
        w: { type: 'wait', for: '1h', next: 'ab' },
        ab: { type: 'split', paths: [{ percent: 50, next: 'greet' }, { percent: 50, next: 'ads' }] },
        greet: { type: 'send', channel: 'email', template: 'hello', next: 'b' },
        ads: { type: 'audience', action: 'add', audience: 'joiners', platforms: ['facebook'], next: 'b' },
        ...REVIEW_BRANCH,
      },
    });
    const users = await reviewedCrowd(t, seen, 'split', 'Joined');
    await advance(t, H);
    const reads = seen.filter(isEventRead).length;
    const paths = await t.omnis.db.query<{ path: string }>(`select path from journey_runs r join journeys j on j.id = r.journey_id where j.name = 'Split first'`);
    // Each run draws its path from its random id: usually both are taken (all twelve on one has
    // odds of 1 in 2,048), and the branch is reached either way.
    assert.equal(paths.length, CROWD);
    const greeted = (await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from messages where template_key = 'hello'`))[0].n;
    const joiners = (await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from audience_memberships where audience = 'joiners'`))[0].n;
    assert.equal(greeted + joiners, CROWD);
    for (const [i, u] of users.entries()) assert.deepEqual((await templates(t, u)).filter(k => k !== 'hello'), [reviewed(i)], u);
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs reaching a branch past a split`);
  }));

  test('a batch of goal events converting a crowd: their messages cancelled and audiences left in a statement each', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['reminder']);
    await publish(t, {
      name: 'Cart goal', entry: { event: 'Cart Left' }, goal: { event: 'Order Completed', within: '7d' }, start: 'ads',
      steps: {
        ads: { type: 'audience', action: 'add', audience: 'retarget-cart', platforms: ['facebook'], next: 'w' },
        w: { type: 'wait', for: '1d', next: 'mail' },
        mail: { type: 'send', channel: 'email', template: 'reminder', next: 'end' },
        end: { type: 'exit' },
      },
    });
    const users = await enterCrowd(t, seen, 'goal', 'Cart Left');
    await trackAll(t, users, 'Order Completed', { revenue: 100 });
    await t.omnis.settle();
    const cancels = seen.filter(sql => /update messages/.test(sql)).length;
    const removals = seen.filter(sql => /update audience_memberships/.test(sql)).length;
    const runs = await t.omnis.db.query<{ status: string; revenue: number }>(`select status, revenue from journey_runs where profile_id in (select profile_id from identities where type = 'user_id' and value like 'goal-%')`);
    assert.equal(runs.length, CROWD);
    assert.deepEqual([...new Set(runs.map(x => `${x.status}:${Number(x.revenue)}`))], ['converted:100']);
    const left = await t.omnis.db.query<{ removed_reason: string | null }>(`select removed_reason from audience_memberships where audience = 'retarget-cart'`);
    assert.equal(left.length, CROWD);
    assert.deepEqual([...new Set(left.map(m => m.removed_reason))], ['goal reached']);
    // Nothing was sent: the reminder waited for a day the goal cut short.
    for (const u of users) assert.deepEqual(await templates(t, u), [], u);
    assert.ok(cancels < CROWD / 2 && removals < CROWD / 2, `${cancels} cancellations and ${removals} audience removals for ${CROWD} conversions`);
  }));

  test('timers wake a crowd: their profiles are read once where a step reads them (a send), and not at all where none does; its messages pass the contact policy a round at a time', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['nudge']);
    await publish(t, {
      name: 'Nudge', entry: { event: 'Browsed' }, start: 'w',
      steps: { w: { type: 'wait', for: '1h', next: 'mail' }, mail: { type: 'send', channel: 'email', template: 'nudge', next: 'end' }, end: { type: 'exit' } },
    });
    await publish(t, {
      name: 'Quiet', entry: { event: 'Browsed' }, start: 'w',
      steps: { w: { type: 'wait', for: '2h', next: 'end' }, end: { type: 'exit' } },
    });
    const users = await enterCrowd(t, seen, 'wake', 'Browsed');
    // As after a restart, or for profiles long out of the pipeline's cache: it holds none of them.
    const forgetCached = () => t.omnis.db.query(`insert into profile_changes (profile_id) select id from profiles where merged_into is null`);
    await forgetCached();
    // The pipeline reads whole profiles by lists of ids (loadProfiles, loadLiveProfiles), a step
    // one by one when the batch has not (channelsFor, timezoneOf); the dispatcher's reads are its own.
    const PIPELINE_READS = [/^select \* from profiles where id = any/, /^select m\.asked, p\.\* from/, /^select channels, consent, computed, traits, timezone from profiles/, /^select timezone from profiles/];
    const profileReads = () => seen.filter(sql => PIPELINE_READS.some(r => r.test(sql.trim()))).length;
    await advance(t, H);
    const forSends = profileReads();
    // The dispatcher asks the contact policy about the crowd's messages a round at a time.
    const policyReads = seen.filter(sql => /from contact_policies/.test(sql)).length;
    for (const u of users) assert.deepEqual(await templates(t, u), ['nudge'], u);
    await forgetCached();
    seen.length = 0;
    await advance(t, H);
    const forNothing = profileReads();
    const quiet = await t.omnis.db.query<{ status: string }>(`select r.status from journey_runs r join journeys j on j.id = r.journey_id where j.name = 'Quiet'`);
    assert.deepEqual([...new Set(quiet.map(r => r.status))], ['completed']);
    assert.equal(quiet.length, CROWD);
    assert.ok(forSends >= 1 && forSends < CROWD / 2, `${forSends} profile reads for ${CROWD} runs woken into a send`);
    assert.equal(forNothing, 0, `${forNothing} profile reads for ${CROWD} runs woken into an exit`);
    assert.ok(policyReads >= 1 && policyReads < CROWD / 2, `${policyReads} contact policy reads for ${CROWD} messages`);
  }));

  test('a batch of events moving a crowd on from a wait_event into a branch: one read for the batch', () => withOmnis(async (t, seen) => {
    await setUpChannels(t, ['fan', 'newcomer']);
    await publish(t, {
      name: 'Clicked', entry: { event: 'Browsed' }, start: 'watch',
      steps: {
        watch: { type: 'wait_event', events: [{ event: 'Clicked Ad', next: 'b' }], timeout: '1d', on_timeout: 'end' },
        ...REVIEW_BRANCH,
      },
    });
    const users = await reviewedCrowd(t, seen, 'click', 'Browsed');
    await trackAll(t, users, 'Clicked Ad');
    await t.omnis.settle();
    const reads = seen.filter(isEventRead).length;
    for (const [i, u] of users.entries()) assert.deepEqual(await templates(t, u), [reviewed(i)], u);
    assert.ok(reads >= 1 && reads < CROWD / 2, `${reads} reads of profile events for ${CROWD} runs moved into a branch by events`);
  }));
});

