import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { forEachStore, startTestOmnis, TEST_PG_URL, type TestOmnis } from '../testing/index.ts';
import { DAY, H, advance, iso, messagesOf, person, profileId, publish, runsOf, setUpChannels, track } from './acceptance-helpers.ts';

/**
 * How runs start and end: goals, exit events, re-entry rules, published versions, and
 * pause / resume / archive, through the public API on both stores.
 */
forEachStore('journey lifecycle', kind => {
  const withOmnis = async (fn: (t: TestOmnis) => Promise<void>) => {
    const t = await startTestOmnis(kind);
    try {
      await setUpChannels(t, ['first', 'second', 'v1-mail', 'v2-mail', 'hello']);
      await fn(t);
    } finally { await t.close(); }
  };
  const stats = async (t: TestOmnis, id: string) => (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
  const audiences = async (t: TestOmnis, user: string) => t.omnis.db.query<{ audience: string; removed_at: Date | null; removed_reason: string | null }>(
    'select audience, removed_at, removed_reason from audience_memberships where profile_id = $1 order by id', [await profileId(t, user)]);
  // Quiet hours hold e-mail from 21:00 to 08:00 UTC, so a message can sit queued when the goal or an exit comes.
  const holdEveningMail = (t: TestOmnis) => t.admin('PUT', '/api/v1/contact-policy', { caps: [], quietHours: { start: '21:00', end: '08:00', action: 'delay' } });

  const cart = {
    name: 'Cart', entry: { event: 'Product Added' }, goal: { event: 'Order Completed', within: '7d' }, exit: [{ event: 'Unsubscribed' }], start: 'ads',
    steps: {
      ads: { type: 'audience', action: 'add', audience: 'cart-ads', platforms: ['facebook'], next: 'w1' },
      w1: { type: 'wait', for: '12h', next: 'first' }, // entered at 09:00 UTC: due at 21:00, held by quiet hours
      first: { type: 'send', channel: 'email', template: 'first', next: 'w2' },
      w2: { type: 'wait', for: '2d', next: 'second' },
      second: { type: 'send', channel: 'email', template: 'second', next: 'end' },
      end: { type: 'exit' },
    },
  };

  test('goal: the run converts with its revenue, its queued message is cancelled, its audiences are left, nothing more is sent', () => withOmnis(async t => {
    await holdEveningMail(t);
    const id = await publish(t, cart);
    await person(t, 'buyer');
    await track(t, 'buyer', 'Product Added');
    await t.omnis.settle();
    await advance(t, 13 * H); // 22:00: "first" is queued until 08:00
    assert.deepEqual((await messagesOf(t, 'buyer')).map(m => `${m.step_id}:${m.status}:${m.reason}`), ['first:queued:delayed by contact policy']);
    await track(t, 'buyer', 'Order Completed', { total: 450 });
    await t.omnis.settle();
    await advance(t, 5 * DAY);
    assert.deepEqual((await messagesOf(t, 'buyer')).map(m => `${m.step_id}:${m.status}:${m.reason}`), ['first:cancelled:goal reached']);
    const [run] = await runsOf(t, 'buyer');
    assert.deepEqual([run.status, run.end_reason, Number(run.revenue)], ['converted', 'goal', 450]);
    assert.deepEqual((await audiences(t, 'buyer')).map(a => [a.audience, a.removed_reason]), [['cart-ads', 'goal reached']]);
    const s = await stats(t, id);
    assert.deepEqual([s.conversions.treated.runs, s.conversions.treated.conversions, s.conversions.treated.revenue], [1, 1, 450]);
    assert.equal(s.steps.first.sends.cancelled, 1);
  }));

  test('goal: a purchase after the goal window is no conversion', () => withOmnis(async t => {
    const id = await publish(t, { ...cart, goal: { event: 'Order Completed', within: '1d' } });
    await person(t, 'slow');
    await track(t, 'slow', 'Product Added');
    await t.omnis.settle();
    await advance(t, DAY + H);
    await track(t, 'slow', 'Order Completed', { total: 100 });
    await t.omnis.settle();
    await advance(t, 3 * DAY);
    const [run] = await runsOf(t, 'slow');
    assert.deepEqual([run.status, run.end_reason], ['completed', 'exit step']);
    assert.deepEqual((await messagesOf(t, 'slow')).map(m => `${m.step_id}:${m.status}`), ['first:sent', 'second:sent']);
    assert.equal((await stats(t, id)).conversions.treated.conversions, 0);
  }));

  test('exit event: the run exits at once, queued messages are cancelled, audiences left, a later purchase counts for nothing', () => withOmnis(async t => {
    await holdEveningMail(t);
    const id = await publish(t, cart);
    await person(t, 'leaver');
    await track(t, 'leaver', 'Product Added');
    await t.omnis.settle();
    await advance(t, 13 * H);
    await track(t, 'leaver', 'Unsubscribed', { channel: 'email' });
    await t.omnis.settle();
    await track(t, 'leaver', 'Order Completed', { total: 300 });
    await t.omnis.settle();
    await advance(t, 5 * DAY);
    const [run] = await runsOf(t, 'leaver');
    assert.deepEqual([run.status, run.end_reason], ['exited', 'exit event Unsubscribed']);
    assert.deepEqual((await messagesOf(t, 'leaver')).map(m => `${m.step_id}:${m.status}:${m.reason}`), ['first:cancelled:exit event Unsubscribed']);
    assert.deepEqual((await audiences(t, 'leaver')).map(a => [a.audience, a.removed_reason]), [['cart-ads', 'exit event Unsubscribed']]);
    const s = await stats(t, id);
    assert.deepEqual([s.runs, s.conversions.treated.conversions], [{ exited: 1 }, 0]);
  }));

  const quick = (reentry: unknown) => ({
    name: `Hello ${JSON.stringify(reentry)}`, entry: { event: 'Visit' }, reentry, start: 'w',
    steps: { w: { type: 'wait', for: '1d', next: 'hello' }, hello: { type: 'send', channel: 'email', template: 'hello', next: 'end' }, end: { type: 'exit' } },
  });

  test('re-entry "never": one run per profile, ever', () => withOmnis(async t => {
    const id = await publish(t, quick('never'));
    await person(t, 'n');
    for (let i = 0; i < 3; i++) { await track(t, 'n', 'Visit'); await t.omnis.settle(); await advance(t, 40 * DAY); }
    assert.equal((await runsOf(t, 'n', id)).length, 1);
    assert.equal((await messagesOf(t, 'n')).length, 1);
  }));

  test('re-entry "after_exit": never two runs at once, again once the previous one has ended', () => withOmnis(async t => {
    const id = await publish(t, quick('after_exit'));
    await person(t, 'ae');
    await track(t, 'ae', 'Visit');
    await track(t, 'ae', 'Visit');
    await t.omnis.settle();
    await advance(t, 12 * H);
    await track(t, 'ae', 'Visit'); // still waiting: refused
    await t.omnis.settle();
    assert.deepEqual((await runsOf(t, 'ae', id)).map(r => r.status), ['active']);
    await advance(t, DAY);
    await track(t, 'ae', 'Visit');
    await t.omnis.settle();
    await advance(t, 2 * DAY);
    assert.deepEqual((await runsOf(t, 'ae', id)).map(r => r.status), ['completed', 'completed']);
    assert.deepEqual((await messagesOf(t, 'ae')).map(m => m.status), ['sent', 'sent']);
  }));

  test('re-entry {"after": "30d"}: again only once the previous run has ended and 30 days have passed since it entered', () => withOmnis(async t => {
    const id = await publish(t, quick({ after: '30d' }));
    await person(t, 'a30');
    const first = t.clock.now();
    await track(t, 'a30', 'Visit');
    await t.omnis.settle();
    await advance(t, 10 * DAY);
    await track(t, 'a30', 'Visit'); // ended, but only 10 days since it entered
    await t.omnis.settle();
    await advance(t, 20 * DAY - 1);
    await track(t, 'a30', 'Visit'); // 30 days less 1 ms
    await t.omnis.settle();
    assert.equal((await runsOf(t, 'a30', id)).length, 1);
    await advance(t, 1);
    await track(t, 'a30', 'Visit'); // exactly 30 days
    await t.omnis.settle();
    const runs = await runsOf(t, 'a30', id);
    assert.deepEqual(runs.map(r => iso(r.entered_at)), [iso(first), iso(first + 30 * DAY)]);
  }));

  test('versions: a waiting run finishes on its version, a new entry takes the new one', () => withOmnis(async t => {
    const v1 = {
      name: 'Versioned', entry: { event: 'Visit' }, reentry: 'never', start: 'w',
      steps: { w: { type: 'wait', for: '1d', next: 'mail' }, mail: { type: 'send', channel: 'email', template: 'v1-mail', next: 'end' }, end: { type: 'exit' } },
    };
    const id = await publish(t, v1);
    await person(t, 'old');
    await person(t, 'new');
    await track(t, 'old', 'Visit');
    await t.omnis.settle();
    const v2 = { ...v1, steps: { w: { type: 'wait', for: '1d', next: 'other' }, other: { type: 'send', channel: 'email', template: 'v2-mail', next: 'end' }, end: { type: 'exit' } } };
    assert.equal((await t.admin('PUT', `/api/v1/journeys/${id}`, v2)).status, 200);
    const p = await t.admin('POST', `/api/v1/journeys/${id}/publish`);
    assert.equal(p.json.version, 2);
    await track(t, 'new', 'Visit');
    await t.omnis.settle();
    await advance(t, 2 * DAY);
    assert.deepEqual((await messagesOf(t, 'old')).map(m => `${m.step_id}:${m.template_key}:v${m.journey_version}:${m.status}`), ['mail:v1-mail:v1:sent']);
    assert.deepEqual((await messagesOf(t, 'new')).map(m => `${m.step_id}:${m.template_key}:v${m.journey_version}:${m.status}`), ['other:v2-mail:v2:sent']);
    assert.deepEqual((await runsOf(t, 'old')).map(r => [r.version, r.status]), [[1, 'completed']]);
    assert.deepEqual((await runsOf(t, 'new')).map(r => [r.version, r.status]), [[2, 'completed']]);
  }));

  test('pause stops entries (runs in flight go on), resume takes entries again, archive ends active runs', () => withOmnis(async t => {
    const id = await publish(t, { ...quick('after_exit'), steps: {
      ads: { type: 'audience', action: 'add', audience: 'hello-ads', platforms: ['facebook'], next: 'w' },
      w: { type: 'wait', for: '1d', next: 'hello' }, hello: { type: 'send', channel: 'email', template: 'hello', next: 'end' }, end: { type: 'exit' } }, start: 'ads' });
    for (const u of ['p1', 'p2', 'p3', 'p4']) await person(t, u);
    await track(t, 'p1', 'Visit');
    await t.omnis.settle();
    assert.equal((await t.admin('POST', `/api/v1/journeys/${id}/pause`)).json.status, 'paused');
    await track(t, 'p2', 'Visit');
    await t.omnis.settle();
    await advance(t, 2 * DAY);
    assert.deepEqual((await runsOf(t, 'p2', id)).length, 0, 'no entry while paused');
    assert.deepEqual((await messagesOf(t, 'p1')).map(m => m.status), ['sent'], 'the run in flight went on');
    assert.equal((await t.admin('POST', `/api/v1/journeys/${id}/resume`)).json.status, 'active');
    await track(t, 'p3', 'Visit');
    await track(t, 'p4', 'Visit');
    await t.omnis.settle();
    assert.deepEqual((await runsOf(t, 'p3', id)).map(r => r.status), ['active']);
    const archived = await t.admin('POST', `/api/v1/journeys/${id}/archive`);
    assert.equal(archived.json.status, 'archived');
    await advance(t, 2 * DAY);
    for (const u of ['p3', 'p4']) {
      assert.deepEqual((await runsOf(t, u, id)).map(r => [r.status, r.end_reason]), [['exited', 'archived']]);
      assert.deepEqual(await messagesOf(t, u), [], 'nothing is sent for an archived run');
      assert.deepEqual((await audiences(t, u)).map(a => [a.audience, a.removed_reason]), [['hello-ads', 'journey archived']], 'an archived run leaves its audiences');
    }
    await track(t, 'p2', 'Visit');
    await t.omnis.settle();
    assert.equal((await runsOf(t, 'p2', id)).length, 0, 'no entry once archived');
    assert.equal((await t.admin('POST', `/api/v1/journeys/${id}/publish`)).status, 409);
  }));

  // Postgres only: it needs a second connection to hold the pipeline at a chosen point.
  test('archive racing the pipeline: a run the pipeline is moving is not revived, and nothing it queues is sent', { skip: kind === 'pglite' ? 'needs concurrent connections' : false }, () => withOmnis(async t => {
    const id = await publish(t, {
      name: 'Race', entry: { event: 'Visit' }, start: 'w',
      steps: { w: { type: 'wait_event', events: [{ event: 'Click', next: 'mail' }], timeout: '7d', on_timeout: 'end' }, mail: { type: 'send', channel: 'email', template: 'hello', next: 'end' }, end: { type: 'exit' } },
    });
    await person(t, 'racer');
    await track(t, 'racer', 'Visit');
    await t.omnis.settle();
    const [run] = await runsOf(t, 'racer');
    const pid = await profileId(t, 'racer');
    // Another connection takes the outbox key the pipeline is about to use, so the pipeline waits inside its transaction.
    const blocker = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${t.omnis.db.connection!.schema}` });
    await blocker.connect();
    try {
      await blocker.query('begin');
      const now = new Date(t.clock.now()).toISOString();
      await blocker.query(`insert into messages (id, workspace_id, idempotency_key, profile_id, channel, template_key, purpose, send_at, status, next_attempt_at, created_at, updated_at)
        values ('msg_blocker', 'default', $1, $2, 'email', 'hello', 'marketing', $3, 'queued', $3, $3, $3)`, [`${run.id}:mail:0`, pid, now]);
      const until = async (done: () => Promise<boolean>) => {
        for (let i = 0; i < 4000; i++) { if (await done()) return true; await new Promise(r => setTimeout(r, 5)); }
        return false;
      };
      const lockWaits = async () => (await t.omnis.db.query<{ w: number }>(`select count(*)::int as w from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))[0].w;
      await t.track('/v1/track', { userId: 'racer', event: 'Click' });
      assert.ok(await until(async () => (await lockWaits()) >= 1), 'the pipeline waits on the outbox key');
      let archived = false;
      const archive = t.admin('POST', `/api/v1/journeys/${id}/archive`).then(r => { archived = true; return r; });
      // Either the archive waits for the run the pipeline holds, or it goes through at once.
      assert.ok(await until(async () => archived || (await lockWaits()) >= 2));
      await blocker.query('rollback');
      assert.equal((await archive).status, 200);
      await t.omnis.settle();
      await advance(t, DAY);
    } finally { await blocker.end(); }
    const [after] = await runsOf(t, 'racer');
    const msgs = await messagesOf(t, 'racer');
    assert.ok(!msgs.some(m => m.status === 'sent'), `nothing is sent once the journey is archived: ${JSON.stringify(msgs.map(m => [m.status, m.reason]))}`);
    assert.ok(after.status === 'completed' || after.end_reason === 'archived', `${after.status} ${after.end_reason}`);
    if (after.status === 'completed') assert.deepEqual(msgs.map(m => `${m.status}:${m.reason}`), ['cancelled:journey archived']);
  }));

  test('a run started on an anonymous profile follows it into the known profile it merges with: the goal still converts it', () => withOmnis(async t => {
    await holdEveningMail(t);
    await publish(t, cart);
    await person(t, 'known');
    await advance(t, 60_000); // the known profile is the older one: it survives the merge
    const anon = await t.track('/v1/track', { anonymousId: 'anon-browser-1', event: 'Product Added' });
    assert.equal(anon.status, 200);
    await t.omnis.settle();
    const [{ profile_id: anonProfile }] = await t.omnis.db.query<{ profile_id: string }>(`select profile_id from journey_runs`);
    // The browser logs in: the anonymous profile and the known one are the same person.
    await t.track('/v1/identify', { anonymousId: 'anon-browser-1', userId: 'known' });
    await t.omnis.settle();
    const survivor = await profileId(t, 'known');
    await advance(t, 13 * H);
    // The run's timer named the merged-away profile: firing it followed the merge, so the run
    // and the message its next step queued are the survivor's.
    const moved = await t.omnis.db.query<{ profile_id: string }>(`select profile_id from journey_runs union all select profile_id from messages`);
    assert.deepEqual(moved.map(r => r.profile_id), [survivor, survivor]);
    await track(t, 'known', 'Order Completed', { total: 99 });
    await t.omnis.settle();
    await advance(t, 5 * DAY);
    const runs = await t.omnis.db.query<{ status: string; profile_id: string }>(`select status, profile_id from journey_runs`);
    assert.deepEqual(runs.map(r => r.status), ['converted'], `runs of ${anonProfile} / ${survivor}`);
    const msgs = await t.omnis.db.query<{ status: string; reason: string | null }>(`select status, reason from messages`);
    assert.deepEqual(msgs.map(m => `${m.status}:${m.reason}`), ['cancelled:goal reached']);
  }));
});
