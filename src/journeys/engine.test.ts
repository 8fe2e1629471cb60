import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, profileOf, type TestOmnis } from '../testing/index.ts';
import type { VirtualClock } from '../shared/index.ts';

const H = 3_600_000, DAY = 24 * H;

forEachStore('journey engine', kind => {
  let t: TestOmnis;
  let clock: VirtualClock;
  before(async () => {
    t = await startTestOmnis(kind);
    clock = t.clock as VirtualClock;
    for (const ch of ['email', 'sms', 'messenger', 'direct_mail']) await t.omnis.messaging.channels.put('default', ch, { provider: 'capture', settings: {} });
    for (const [key, channel] of [['cart', 'email'], ['cart-sms', 'sms'], ['review', 'email'], ['review', 'messenger']] as const) {
      const body = channel === 'email' ? { subject: 'Hi {{ profile.traits.firstName | default: "there" }}', html: '<p>{{ offer.amount | default: 0 }} off</p>' } : { body: 'Hello {{ profile.traits.firstName }}' };
      const r = await t.admin('POST', '/api/v1/templates', { key, channel, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
  });
  after(async () => { await t.close(); });
  const messages = async (profileId: string) => t.omnis.db.query<{ channel: string; template_key: string; status: string; reason: string | null; step_id: string }>(
    'select channel, template_key, status, reason, step_id from messages where profile_id = $1 order by created_at, id', [profileId]);

  test('entry, wait, send, wait_event, goal: the goal cancels what is pending and leaves the audiences', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Cart', entry: { event: 'Product Added' }, reentry: 'never', goal: { event: 'Order Completed', within: '30d' }, start: 'w',
      steps: {
        w: { type: 'wait', for: '1h', next: 'mail' },
        mail: { type: 'send', channel: 'email', template: 'cart', offer: { amount: 100 }, next: 'ads' },
        ads: { type: 'audience', action: 'add', audience: 'retarget-cart', platforms: ['facebook', 'instagram'], for: '7d', next: 'watch' },
        watch: { type: 'wait_event', events: [{ event: 'Product Viewed', next: 'again' }], timeout: '7d', on_timeout: 'done' },
        again: { type: 'send', channel: 'email', template: 'cart', next: 'later' },
        later: { type: 'wait', for: '2d', next: 'sms' },
        sms: { type: 'send', channel: 'sms', template: 'cart-sms', next: 'done' },
        done: { type: 'exit' },
      },
    });
    assert.equal(j.status, 201, JSON.stringify(j.json));
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    await t.track('/v1/identify', { userId: 'jr-1', traits: { email: 'jr1@example.com', phone: '+12125550199', firstName: 'Jo' }, context: { consent: { categoryPreferences: { email: true, sms: true } } } });
    await t.track('/v1/track', { userId: 'jr-1', event: 'Product Added', properties: { sku: 'Q' } });
    await t.omnis.settle();
    const p = await profileOf(t, 'jr-1');
    assert.equal(p.journeys[0].step, 'w');
    assert.deepEqual(await messages(p.id), []);
    clock.advance(H);
    await t.omnis.settle();
    let m = await messages(p.id);
    assert.deepEqual(m.map(x => `${x.step_id}:${x.channel}:${x.status}`), ['mail:email:sent']);
    const aud = await t.omnis.db.query<{ audience: string; removed_at: Date | null }>('select audience, removed_at from audience_memberships where profile_id = $1', [p.id]);
    assert.deepEqual(aud.map(a => [a.audience, a.removed_at]), [['retarget-cart', null]]);
    assert.equal((await profileOf(t, 'jr-1')).journeys[0].step, 'watch');

    await t.track('/v1/track', { userId: 'jr-1', event: 'Product Viewed', properties: { sku: 'K' } });
    await t.omnis.settle();
    m = await messages(p.id);
    assert.deepEqual(m.map(x => `${x.step_id}:${x.status}`).sort(), ['again:sent', 'mail:sent']);
    assert.equal((await profileOf(t, 'jr-1')).journeys[0].step, 'later');

    // The purchase at the POS, before the SMS is due: the run converts at once.
    clock.advance(DAY);
    await t.track('/v1/track', { userId: 'jr-1', event: 'Order Completed', properties: { total: 899 }, context: { channel: 'pos' } });
    await t.omnis.settle();
    const run = (await profileOf(t, 'jr-1')).journeys[0];
    assert.equal(run.status, 'converted');
    const after = await t.omnis.db.query<{ removed_at: Date | null; removed_reason: string }>('select removed_at, removed_reason from audience_memberships where profile_id = $1', [p.id]);
    assert.equal(after[0].removed_reason, 'goal reached');
    clock.advance(3 * DAY);
    await t.omnis.settle();
    assert.deepEqual((await messages(p.id)).map(x => x.step_id).sort(), ['again', 'mail'], 'nothing is sent after the goal');
    const stats = (await t.admin('GET', `/api/v1/journeys/${j.json.id}/stats`)).json;
    assert.equal(stats.steps.w.entered, 1);
    assert.equal(stats.steps.mail.sends.sent, 1);
    assert.equal(stats.conversions.treated.conversions, 1);
    assert.equal(stats.conversions.treated.revenue, 899);
  });

  test('a run that entered and ended within one batch counts for re-entry in that same batch', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Once', entry: { event: 'Pinged' }, reentry: 'never', start: 'tag',
      steps: { tag: { type: 'audience', action: 'remove', audience: 'nobody', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    // One request, so one pipeline batch: the first Pinged enters and completes the journey at once.
    const r = await t.track('/v1/batch', { batch: [
      { type: 'track', userId: 'once-1', event: 'Pinged', messageId: 'once-a' },
      { type: 'track', userId: 'once-1', event: 'Pinged', messageId: 'once-b' },
    ] });
    assert.equal(r.status, 200);
    await t.omnis.settle();
    const runs = await t.omnis.db.query<{ id: string; status: string }>('select id, status from journey_runs where journey_id = $1', [j.json.id]);
    assert.deepEqual(runs.map(x => x.status), ['completed']);
    const [{ trail }] = await t.omnis.db.query<{ trail: [string, string, number, string?][] }>('select trail from journey_runs where id = $1', [runs[0].id]);
    assert.deepEqual(trail.map(x => `${x[0]} ${x[1]}`), ['tag entered', 'tag left', 'end entered', 'end left']);
  });

  test("a run's trail keeps a detail with quotes, commas, braces and backslashes as it was", async () => {
    // Trails go to the database inside a JSON document; an exit's detail carries the event's name as sent.
    const odd = 'Left "the {shop}", sadly \\ for now';
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Odd exit', entry: { event: 'Came In' }, exit: [{ event: odd }], start: 'w',
      steps: { w: { type: 'wait', for: '1d', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    await t.track('/v1/track', { userId: 'odd-1', event: 'Came In' });
    await t.omnis.settle();
    await t.track('/v1/track', { userId: 'odd-1', event: odd });
    await t.omnis.settle();
    const [{ trail }] = await t.omnis.db.query<{ trail: [string, string, number, string?][] }>('select trail from journey_runs where journey_id = $1', [j.json.id]);
    assert.deepEqual(trail.map(x => [x[0], x[1], x[3] ?? null]), [['w', 'entered', null], ['w', 'left', `exit event ${odd}`]]);
  });

  test('re-entry counts the runs of profiles merged into the one entering', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Once per customer', entry: { event: 'Welcomed' }, reentry: 'never', start: 'tag',
      steps: { tag: { type: 'audience', action: 'remove', audience: 'nobody', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    // A known customer, and a visitor who enters; then they turn out to be one customer.
    await t.track('/v1/identify', { userId: 'merge-re-1', traits: { plan: 'pro' }, messageId: 'mre-1' });
    await t.omnis.settle();
    clock.advance(60_000); // the older profile survives the merge
    await t.track('/v1/track', { anonymousId: 'merge-re-anon', event: 'Welcomed', messageId: 'mre-2' });
    await t.omnis.settle();
    await t.track('/v1/identify', { userId: 'merge-re-1', anonymousId: 'merge-re-anon', messageId: 'mre-3' });
    await t.omnis.settle();
    const live = (await profileOf(t, 'merge-re-1')).id;
    const runs = await t.omnis.db.query<{ profile_id: string }>('select profile_id from journey_runs where journey_id = $1', [j.json.id]);
    // The merged-away profile's ended run stays where it was: only the merge join finds it.
    assert.equal(runs.length, 1);
    assert.notEqual(runs[0].profile_id, live, 'the run is on the merged-away profile');
    await t.track('/v1/track', { userId: 'merge-re-1', event: 'Welcomed', messageId: 'mre-4' });
    await t.omnis.settle();
    const after = await t.omnis.db.query<{ c: number }>('select count(*)::int as c from journey_runs where journey_id = $1', [j.json.id]);
    assert.equal(after[0].c, 1, 'no second run: the customer has been in the journey');
  });

  test('forgetting a customer erases their messages and segment memberships, ends their runs and drops their timers', async () => {
    const seg = await t.admin('POST', '/api/v1/segments', { name: 'Forgettable', condition: { trait: 'plan', op: 'eq', value: 'gold' } });
    assert.equal(seg.status, 201, JSON.stringify(seg.json));
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Mail then wait', entry: { event: 'Joined' }, start: 'mail',
      steps: { mail: { type: 'send', channel: 'email', template: 'cart', purpose: 'transactional', next: 'w' }, w: { type: 'wait', for: '3d', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    await t.track('/v1/identify', { userId: 'forget-j', traits: { email: 'forget-j@example.com', plan: 'gold' } });
    await t.track('/v1/track', { userId: 'forget-j', event: 'Joined' });
    await t.omnis.settle();
    const p = await profileOf(t, 'forget-j');
    const count = async (sql: string, params: unknown[] = [p.id]) => (await t.omnis.db.query<{ n: number }>(sql, params))[0].n;
    const held = async () => ({
      messages: await count('select count(*)::int as n from messages where profile_id = $1'),
      captured: await count(`select count(*)::int as n from captured_messages where recipient->>'email' = 'forget-j@example.com'`, []),
      members: await count('select count(*)::int as n from segment_members where profile_id = $1'),
      timers: await count('select count(*)::int as n from timers where profile_id = $1'),
      activeRuns: await count(`select count(*)::int as n from journey_runs where profile_id = $1 and status = 'active'`),
    });
    assert.deepEqual(await held(), { messages: 1, captured: 1, members: 1, timers: 1, activeRuns: 1 });
    // Right of access first: the export holds what every module keeps about them.
    const exp = (await t.admin('GET', `/api/v1/profiles/${p.id}/export`)).json;
    assert.equal(exp.exportedAt, new Date(clock.now()).toISOString(), 'the export is stamped by the clock');
    assert.deepEqual(exp.messages.map((m: { templateKey: string; status: string; history: unknown[] }) => `${m.templateKey}:${m.status}:${m.history.length > 0}`), ['cart:sent:true']);
    assert.deepEqual(exp.journeyRuns.map((r: { journeyId: string; status: string; step: string }) => [r.journeyId, r.status, r.step]), [[j.json.id, 'active', 'w']]);
    const joined = new Date(clock.now()).toISOString();
    assert.deepEqual(exp.journeyRuns[0].steps, [
      { step: 'mail', action: 'entered', at: joined, detail: null }, { step: 'mail', action: 'left', at: joined, detail: null }, { step: 'w', action: 'entered', at: joined, detail: null },
    ], 'the export shows the steps the run took');
    assert.deepEqual(exp.segments.map((x: { segmentId: string; exitedAt: string | null }) => [x.segmentId, x.exitedAt]), [[seg.json.id, null]]);
    assert.deepEqual(exp.audiences, []);

    assert.equal((await t.admin('DELETE', `/api/v1/profiles/${p.id}`)).status, 200);
    assert.deepEqual(await held(), { messages: 0, captured: 0, members: 0, timers: 0, activeRuns: 0 });
    const run = await t.omnis.db.query<{ status: string; end_reason: string }>('select status, end_reason from journey_runs where journey_id = $1', [j.json.id]);
    assert.deepEqual(run.map(r => `${r.status}: ${r.end_reason}`), ['exited: profile deleted']);
    assert.equal((await t.admin('GET', `/api/v1/messages?profileId=${p.id}`)).json.messages?.length ?? 0, 0);
    // Three days on, nothing wakes for them.
    clock.advance(4 * DAY);
    await t.omnis.settle();
    assert.equal((await t.omnis.db.query<{ n: number }>('select count(*)::int as n from messages where profile_id = $1', [p.id]))[0].n, 0);
  });

  test('timers: a timeout is dropped when its event comes (in its own batch or a later one), a wait timer when the goal is reached', async () => {
    const watch = await t.admin('POST', '/api/v1/journeys', {
      name: 'Watch', entry: { event: 'Browsed' }, reentry: 'never', goal: { event: 'Bought', within: '30d' }, start: 'watch',
      steps: { watch: { type: 'wait_event', events: [{ event: 'Product Viewed', next: 'pause' }], timeout: '7d', on_timeout: 'end' }, pause: { type: 'wait', for: '1h', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${watch.json.id}/publish`)).status, 200);
    const timersOf = async (userId: string) => (await t.omnis.db.query<{ what: string }>(
      `select payload->>'what' as what from timers where profile_id = $1 order by due_at`, [(await profileOf(t, userId)).id])).map(r => r.what);
    // One batch: entered, then the awaited event; the timeout never outlives the batch.
    await t.track('/v1/batch', { batch: [
      { type: 'track', userId: 'tm-1', event: 'Browsed', messageId: 'tm-1a' },
      { type: 'track', userId: 'tm-1', event: 'Product Viewed', messageId: 'tm-1b' },
    ] });
    await t.omnis.settle();
    assert.deepEqual(await timersOf('tm-1'), ['wait'], 'the timeout went; the pause waits');
    // Two batches.
    await t.track('/v1/track', { userId: 'tm-2', event: 'Browsed' });
    await t.omnis.settle();
    assert.deepEqual(await timersOf('tm-2'), ['timeout']);
    await t.track('/v1/track', { userId: 'tm-2', event: 'Product Viewed' });
    await t.omnis.settle();
    assert.deepEqual(await timersOf('tm-2'), ['wait']);
    // The goal ends the run, and its pending timer goes with it.
    await t.track('/v1/track', { userId: 'tm-2', event: 'Bought' });
    await t.omnis.settle();
    assert.deepEqual(await timersOf('tm-2'), []);
    await t.track('/v1/track', { userId: 'tm-1', event: 'Bought' });
    await t.omnis.settle();
    assert.deepEqual(await timersOf('tm-1'), []);
  });

  test('a goal reached in the batch that queued a message cancels that message', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Quick', entry: { event: 'Checkout Started' }, goal: { event: 'Order Completed', within: '1d' }, start: 'mail',
      steps: { mail: { type: 'send', channel: 'email', template: 'cart', next: 'w' }, w: { type: 'wait', for: '1d', next: 'end' }, end: { type: 'exit' } },
    });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`)).status, 200);
    const r = await t.track('/v1/batch', { batch: [
      { type: 'identify', userId: 'quick-1', traits: { email: 'quick-1@example.com' }, context: { consent: { categoryPreferences: { email: true } } }, messageId: 'quick-a' },
      { type: 'track', userId: 'quick-1', event: 'Checkout Started', messageId: 'quick-b' },
      { type: 'track', userId: 'quick-1', event: 'Order Completed', properties: { revenue: 20 }, messageId: 'quick-c' },
    ] });
    assert.equal(r.status, 200);
    await t.omnis.settle();
    const runs = await t.omnis.db.query<{ status: string }>('select status from journey_runs where journey_id = $1', [j.json.id]);
    assert.deepEqual(runs.map(x => x.status), ['converted']);
    const m = await messages((await profileOf(t, 'quick-1')).id);
    assert.deepEqual(m.map(x => [x.step_id, x.status, x.reason]), [['mail', 'cancelled', 'goal reached']]);
  });

  test('fallback to the next channel without engagement; engagement stops it', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Review', entry: { event: 'Delivered' }, start: 'ask',
      steps: { ask: { type: 'send', channel: ['email', 'messenger'], template: 'review', fallback_after: '3d', next: 'end' }, end: { type: 'exit' } },
    });
    await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`);
    for (const u of ['fb-1', 'fb-2']) {
      await t.track('/v1/identify', { userId: u, traits: { email: `${u}@example.com` }, context: { consent: { categoryPreferences: { email: true, messenger: true } }, externalIds: [{ id: `psid-${u}`, type: 'messenger_psid' }] } });
      await t.track('/v1/track', { userId: u, event: 'Delivered' });
    }
    await t.omnis.settle();
    const p2 = await profileOf(t, 'fb-2');
    const [mail2] = await t.omnis.db.query<{ id: string }>('select id from messages where profile_id = $1', [p2.id]);
    await t.track('/v1/track', { userId: 'fb-2', event: 'Email Opened', properties: { messageId: mail2.id }, context: { channel: 'email' } });
    await t.omnis.settle();
    clock.advance(3 * DAY + 1);
    await t.omnis.settle();
    const m1 = await messages((await profileOf(t, 'fb-1')).id);
    assert.deepEqual(m1.filter(x => x.step_id === 'ask').map(x => x.channel), ['email', 'messenger']);
    const m2 = await messages(p2.id);
    assert.deepEqual(m2.filter(x => x.step_id === 'ask').map(x => x.channel), ['email']);
  });

  test('simulate returns the trace and sends nothing', async () => {
    const j = await t.admin('POST', '/api/v1/journeys', {
      name: 'Sim', entry: { event: 'Sim Start' }, goal: { event: 'Sim Goal', within: '7d' }, start: 'w',
      steps: { w: { type: 'wait', for: '1h', next: 's' }, s: { type: 'send', channel: 'email', template: 'cart', next: 'e' }, e: { type: 'exit' } },
    });
    const before = (await t.omnis.db.query<{ n: number }>('select count(*)::int as n from messages'))[0].n;
    const r = await t.admin('POST', `/api/v1/journeys/${j.json.id}/simulate`, { profile: { traits: { email: 'sim@example.com', firstName: 'Sam' } }, events: [{ at: '2026-01-05T10:00:00Z', event: 'Sim Start' }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const kinds = r.json.trace.map((x: { kind: string; step?: string; action?: string; status?: string }) => `${x.kind}:${x.step ?? ''}:${x.action ?? x.status ?? ''}`);
    assert.deepEqual(kinds.slice(0, 5), ['step:w:entered', 'step:w:left', 'step:s:entered', 'message:s:sent', 'step:s:left']);
    const msg = r.json.trace.find((x: { kind: string }) => x.kind === 'message');
    assert.equal(msg.at, '2026-01-05T11:00:00.000Z');
    assert.equal((await t.omnis.db.query<{ n: number }>('select count(*)::int as n from messages'))[0].n, before, 'nothing was queued in the real workspace');
  });
});
