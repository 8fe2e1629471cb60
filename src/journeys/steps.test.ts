import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { verifyWebhookSignature } from '../messaging/index.ts';
import { DAY, advance, advanceTo, iso, messagesOf, person, profile, profileId, publish, runsOf, setUpChannels, track } from './acceptance-helpers.ts';

/**
 * Every step type through the public API: journeys posted and published over HTTP,
 * events through the tracking API, the virtual clock walked from one due timer to the next.
 * The clock starts on Monday 2026-03-02 09:00 UTC; New York springs forward on Sunday 03-08.
 */
forEachStore('journey steps', kind => {
  const withOmnis = async (fn: (t: TestOmnis) => Promise<void>) => {
    const t = await startTestOmnis(kind);
    try { await fn(t); } finally { await t.close(); }
  };
  const sentAt = async (t: TestOmnis, user: string) => (await messagesOf(t, user)).map(m => `${m.template_key}:${m.status}:${iso(m.sent_at)}`);

  test('wait until a local time, on given days, in the profile\'s time zone (and across the spring-forward change)', () => withOmnis(async t => {
    await setUpChannels(t, ['daily', 'sunday', 'night']);
    await publish(t, {
      name: 'Local times', entry: { event: 'Joined' }, start: 'nine',
      steps: {
        nine: { type: 'wait', until: { local_time: '09:00' }, next: 'daily' },
        daily: { type: 'send', channel: 'email', template: 'daily', next: 'sun' },
        sun: { type: 'wait', until: { local_time: '10:00', days: ['sun'] }, next: 'sunday' },
        sunday: { type: 'send', channel: 'email', template: 'sunday', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await publish(t, {
      name: 'Night owl', entry: { event: 'Night Owl' }, start: 'w',
      steps: { w: { type: 'wait', until: { local_time: '02:30', days: ['sun'] }, next: 'm' }, m: { type: 'send', channel: 'email', template: 'night', next: 'end' }, end: { type: 'exit' } },
    });
    await person(t, 'kol', { timezone: 'Asia/Kolkata' }); // 14:30 on Monday there
    await person(t, 'ny', { timezone: 'America/New_York' }); // 04:00 on Monday there
    await person(t, 'utc'); // no zone: UTC, 09:00 exactly
    for (const u of ['kol', 'ny', 'utc']) await track(t, u, 'Joined');
    await track(t, 'ny', 'Night Owl');
    await t.omnis.settle();
    assert.equal((await profile(t, 'kol')).timezone, 'Asia/Kolkata');
    await advanceTo(t, Date.parse('2026-03-10T00:00:00Z'));
    assert.deepEqual(await sentAt(t, 'kol'), ['daily:sent:2026-03-03T03:30:00.000Z', 'sunday:sent:2026-03-08T04:30:00.000Z']);
    // 10:00 on the first Sunday of New York's daylight-saving time is 14:00 UTC, not 15:00.
    assert.deepEqual((await sentAt(t, 'ny')).filter(m => !m.startsWith('night')), ['daily:sent:2026-03-02T14:00:00.000Z', 'sunday:sent:2026-03-08T14:00:00.000Z']);
    // 02:30 does not exist that night in New York: the first instant after the gap, 03:00 EDT.
    assert.deepEqual((await sentAt(t, 'ny')).filter(m => m.startsWith('night')), ['night:sent:2026-03-08T07:00:00.000Z']);
    // A run reaching the wait exactly at 09:00 waits for the next 09:00 (no instant wait-and-send loop).
    assert.deepEqual(await sentAt(t, 'utc'), ['daily:sent:2026-03-03T09:00:00.000Z', 'sunday:sent:2026-03-08T10:00:00.000Z']);
  }));

  test('wait until an absolute instant; a run arriving after it goes straight on', () => withOmnis(async t => {
    await setUpChannels(t, ['launch']);
    await publish(t, {
      name: 'Launch', entry: { event: 'Launch Signup' }, reentry: 'never', start: 'w',
      steps: { w: { type: 'wait', until: { at: '2026-03-05T12:00:00-05:00' }, next: 'm' }, m: { type: 'send', channel: 'email', template: 'launch', next: 'end' }, end: { type: 'exit' } },
    });
    await person(t, 'early');
    await person(t, 'late');
    await track(t, 'early', 'Launch Signup');
    await t.omnis.settle();
    assert.equal((await runsOf(t, 'early'))[0].step, 'w');
    await advanceTo(t, Date.parse('2026-03-06T08:00:00Z'));
    await track(t, 'late', 'Launch Signup');
    await t.omnis.settle();
    assert.deepEqual(await sentAt(t, 'early'), ['launch:sent:2026-03-05T17:00:00.000Z']);
    assert.deepEqual(await sentAt(t, 'late'), ['launch:sent:2026-03-06T08:00:00.000Z']);
    assert.deepEqual((await runsOf(t, 'late')).map(r => r.status), ['completed']);
  }));

  test('branch: a trait case, an event-count case, else; the first matching case wins', () => withOmnis(async t => {
    await setUpChannels(t, ['gold', 'keen', 'plain']);
    const id = await publish(t, {
      name: 'Branch', entry: { event: 'Check' }, start: 'b',
      steps: {
        b: { type: 'branch', cases: [
          { if: { trait: 'tier', op: 'eq', value: 'gold' }, next: 'gold' },
          { if: { event: 'Product Viewed', count: { op: 'gte', value: 3 }, within: '7d' }, next: 'keen' },
        ], else: 'plain' },
        gold: { type: 'send', channel: 'email', template: 'gold', next: 'end' },
        keen: { type: 'send', channel: 'email', template: 'keen', next: 'end' },
        plain: { type: 'send', channel: 'email', template: 'plain', next: 'end' },
        end: { type: 'exit' },
      },
    });
    for (const u of ['gold-keen', 'gold-only']) await person(t, u, { traits: { tier: 'gold' } });
    for (const u of ['keen', 'two-views', 'old-views', 'nothing']) await person(t, u, { traits: { tier: 'silver' } });
    const view = async (u: string, n: number) => { for (let i = 0; i < n; i++) await track(t, u, 'Product Viewed', { sku: `S${i}` }); };
    await view('old-views', 3);
    await t.omnis.settle();
    await advance(t, 8 * DAY); // old-views' three views are now outside the 7-day window
    await view('keen', 3);
    await view('gold-keen', 3);
    await view('two-views', 2);
    for (const u of ['gold-keen', 'gold-only', 'keen', 'two-views', 'old-views', 'nothing']) await track(t, u, 'Check');
    await t.omnis.settle();
    const got: Record<string, string[]> = {};
    for (const u of ['gold-keen', 'gold-only', 'keen', 'two-views', 'old-views', 'nothing']) got[u] = (await messagesOf(t, u)).map(m => `${m.step_id}:${m.status}`);
    assert.deepEqual(got, {
      'gold-keen': ['gold:sent'], 'gold-only': ['gold:sent'], keen: ['keen:sent'], 'two-views': ['plain:sent'], 'old-views': ['plain:sent'], nothing: ['plain:sent'],
    });
    const stats = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
    assert.deepEqual([stats.steps.b.entered, stats.steps.gold.entered, stats.steps.keen.entered, stats.steps.plain.entered, stats.steps.end.entered], [6, 2, 1, 3, 6]);
    assert.deepEqual(stats.runs, { completed: 6 });
  }));
  test('split 45/45/10 over 200 profiles: paths in proportion, the holdout gets nothing and stays until the goal window, conversions and lift per path', () => withOmnis(async t => {
    await setUpChannels(t, ['path-a', 'path-b']);
    const id = await publish(t, {
      name: 'Experiment', entry: { event: 'Signed Up' }, goal: { event: 'Order Completed', within: '14d' }, start: 'ab',
      steps: {
        ab: { type: 'split', paths: [{ percent: 45, next: 'a' }, { percent: 45, next: 'b' }, { percent: 10, holdout: true }] },
        a: { type: 'send', channel: 'email', template: 'path-a', next: 'wa' },
        b: { type: 'send', channel: 'email', template: 'path-b', next: 'wa' },
        wa: { type: 'wait', for: '30d', next: 'end' },
        end: { type: 'exit' },
      },
    });
    const N = 200;
    const users = Array.from({ length: N }, (_, i) => `sp-${i}`);
    const batch = users.flatMap(u => [
      { type: 'identify', userId: u, messageId: `id-${u}`, traits: { email: `${u}@example.com` }, context: { consent: { categoryPreferences: { email: true } } } },
      { type: 'track', userId: u, messageId: `su-${u}`, event: 'Signed Up' },
    ]);
    const r = await t.track('/v1/batch', { batch });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await t.omnis.settle();
    const runs = await t.omnis.db.query<{ id: string; profile_id: string; path: string; holdout: boolean; status: string }>('select id, profile_id, path, holdout, status from journey_runs where journey_id = $1', [id]);
    assert.equal(runs.length, N);
    const byPath = (p: string) => runs.filter(x => x.path === p);
    const [a, b, hold] = [byPath('ab:0'), byPath('ab:1'), byPath('ab:2')];
    assert.equal(a.length + b.length + hold.length, N);
    // Expected 90/90/20; the bounds are more than 3.5 standard deviations wide.
    assert.ok(a.length >= 65 && a.length <= 115, `path a: ${a.length}`);
    assert.ok(b.length >= 65 && b.length <= 115, `path b: ${b.length}`);
    assert.ok(hold.length >= 5 && hold.length <= 40, `holdout: ${hold.length}`);
    assert.ok(hold.every(x => x.holdout && x.status === 'active'), 'holdout runs stay, waiting for the goal');
    const msgs = await t.omnis.db.query<{ run_id: string; template_key: string; status: string }>('select run_id, template_key, status from messages where journey_id = $1', [id]);
    const holdIds = new Set(hold.map(x => x.id));
    assert.equal(msgs.filter(m => holdIds.has(m.run_id)).length, 0, 'the holdout gets no message');
    assert.equal(msgs.filter(m => m.template_key === 'path-a' && m.status === 'sent').length, a.length);
    assert.equal(msgs.filter(m => m.template_key === 'path-b' && m.status === 'sent').length, b.length);

    // Day 5: every second treated profile buys, every fourth holdout profile too.
    await advance(t, 5 * DAY);
    const buyers = [...a.filter((_, i) => i % 2 === 0), ...b.filter((_, i) => i % 2 === 0), ...hold.filter((_, i) => i % 4 === 0)];
    const userOf = new Map(await Promise.all(users.map(async u => [await profileId(t, u), u] as const)));
    const orders = buyers.map(x => ({ type: 'track', userId: userOf.get(x.profile_id), messageId: `o-${x.id}`, event: 'Order Completed', properties: { total: 100 } }));
    assert.equal((await t.track('/v1/batch', { batch: orders })).status, 200);
    await t.omnis.settle();
    // Day 10: still inside the goal window, non-buying holdout runs are still counted.
    await advance(t, 5 * DAY);
    const mid = await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from journey_runs where journey_id = $1 and holdout and status = 'active'`, [id]);
    assert.equal(mid[0].n, hold.length - hold.filter((_, i) => i % 4 === 0).length);
    // Day 15: the window has closed; a late holdout purchase is no conversion.
    await advance(t, 5 * DAY);
    const late = hold.find((_, i) => i % 4 !== 0);
    if (late) await track(t, userOf.get(late.profile_id)!, 'Order Completed', { total: 100 });
    await t.omnis.settle();
    const after = await t.omnis.db.query<{ holdout: boolean; status: string; end_reason: string | null }>('select holdout, status, end_reason from journey_runs where journey_id = $1', [id]);
    assert.ok(after.filter(x => x.holdout).every(x => x.status === 'converted' || (x.status === 'completed' && x.end_reason === 'goal window ended')), JSON.stringify(after.filter(x => x.holdout)));

    const stats = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
    const conv = (rows: unknown[], every: number) => rows.filter((_, i) => i % every === 0).length;
    const path = (p: string) => stats.paths.find((x: { path: string }) => x.path === p);
    assert.deepEqual([path('ab:0').runs, path('ab:0').conversions, path('ab:0').holdout], [a.length, conv(a, 2), false]);
    assert.deepEqual([path('ab:1').runs, path('ab:1').conversions, path('ab:1').holdout], [b.length, conv(b, 2), false]);
    assert.deepEqual([path('ab:2').runs, path('ab:2').conversions, path('ab:2').holdout], [hold.length, conv(hold, 4), true]);
    assert.equal(path('ab:0').revenue, conv(a, 2) * 100);
    const treatedRate = (conv(a, 2) + conv(b, 2)) / (a.length + b.length);
    const holdRate = conv(hold, 4) / hold.length;
    assert.equal(stats.conversions.treated.conversions, conv(a, 2) + conv(b, 2));
    assert.equal(stats.conversions.holdout.conversions, conv(hold, 4));
    assert.ok(Math.abs(stats.conversions.lift.absolute - (treatedRate - holdRate)) < 1e-9, JSON.stringify(stats.conversions));
    assert.ok(stats.conversions.lift.ci95[0] < stats.conversions.lift.absolute && stats.conversions.lift.absolute < stats.conversions.lift.ci95[1]);
    assert.equal(stats.steps.ab.entered, N);
    assert.equal(stats.steps.a.sends.sent, a.length);
  }));

  test('update sets and removes traits on the profile, and the next step sees them', () => withOmnis(async t => {
    await setUpChannels(t, ['vip', 'plain']);
    await publish(t, {
      name: 'Upgrade', entry: { event: 'Upgraded' }, start: 'u',
      steps: {
        u: { type: 'update', traits: { vip: true, stage: 'welcomed', temp: null }, next: 'b' },
        b: { type: 'branch', cases: [{ if: { trait: 'vip', op: 'eq', value: true }, next: 'vip' }], else: 'plain' },
        vip: { type: 'send', channel: 'email', template: 'vip', next: 'end' },
        plain: { type: 'send', channel: 'email', template: 'plain', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await person(t, 'up', { traits: { temp: 'x', stage: 'new' } });
    await track(t, 'up', 'Upgraded');
    await t.omnis.settle();
    const p = await profile(t, 'up');
    assert.equal(p.traits.vip, true);
    assert.equal(p.traits.stage, 'welcomed');
    assert.equal(p.traits.email, 'up@example.com', 'other traits are kept');
    assert.deepEqual((await messagesOf(t, 'up')).map(m => m.template_key), ['vip']);
  }));

  test('an update step inside a loop applies again on every pass, even at the same instant', () => withOmnis(async t => {
    await publish(t, {
      name: 'Flag', entry: { event: 'Start Flag' }, start: 'w',
      steps: { w: { type: 'wait_event', events: [{ event: 'Ping', next: 'u' }], timeout: '30d', on_timeout: 'end' }, u: { type: 'update', traits: { flag: 'on' }, next: 'w' }, end: { type: 'exit' } },
    });
    await person(t, 'fl');
    await track(t, 'fl', 'Start Flag');
    await track(t, 'fl', 'Ping');
    await t.omnis.settle();
    assert.equal((await profile(t, 'fl')).traits.flag, 'on');
    await person(t, 'fl', { traits: { flag: 'off' } });
    await track(t, 'fl', 'Ping');
    await t.omnis.settle();
    assert.equal((await profile(t, 'fl')).traits.flag, 'on');
    assert.deepEqual((await runsOf(t, 'fl')).map(r => [r.status, r.step]), [['active', 'w']]);
  }));

  test('update with a null trait removes it, as the definition promises', () => withOmnis(async t => {
    await publish(t, { name: 'Forget', entry: { event: 'Forget' }, start: 'u', steps: { u: { type: 'update', traits: { temp: null }, next: 'end' }, end: { type: 'exit' } } });
    await person(t, 'fg', { traits: { temp: 'x' } });
    await track(t, 'fg', 'Forget');
    await t.omnis.settle();
    const p = await profile(t, 'fg');
    assert.equal('temp' in p.traits, false, JSON.stringify(p.traits));
  }));

  test('webhook: a signed POST to the step\'s URL through the outbox, with its idempotency key', () => withOmnis(async t => {
    const got: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', d => { body += d; });
      req.on('end', () => { got.push({ method: req.method!, url: req.url!, headers: req.headers, body }); res.writeHead(204).end(); });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const secret = 'whsec-acceptance-0123456789';
      await t.omnis.messaging.channels.put('default', 'webhook', { provider: 'webhook', settings: { secret, allowPrivate: true } });
      await setUpChannels(t, []);
      const port = (server.address() as AddressInfo).port;
      await publish(t, {
        name: 'CRM sync', entry: { event: 'Lead Created' }, start: 'hook',
        steps: {
          hook: { type: 'webhook', url: `http://127.0.0.1:${port}/crm/leads`, headers: { 'x-team': 'crm' }, body: { lead: '{{ profile.traits.firstName }}', source: 'omnis' }, next: 'end' },
          end: { type: 'exit' },
        },
      });
      await person(t, 'lead', { traits: { firstName: 'Lee' } });
      await track(t, 'lead', 'Lead Created');
      await t.omnis.settle();
      const [m] = await messagesOf(t, 'lead');
      assert.equal(m.channel, 'webhook');
      assert.equal(m.status, 'sent', m.reason ?? '');
      assert.equal(m.idempotency_key, `${m.run_id}:hook:0`);
      assert.equal(got.length, 1);
      const req = got[0];
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/crm/leads');
      assert.equal(req.headers['x-team'], 'crm');
      assert.equal(req.headers['idempotency-key'], m.id);
      assert.ok(verifyWebhookSignature(secret, req.headers['x-omnis-signature'] as string, req.body, { now: t.clock.now() }), 'signed with the channel secret');
      assert.ok(!verifyWebhookSignature('another-secret-0123456789', req.headers['x-omnis-signature'] as string, req.body, { now: t.clock.now() }));
      assert.deepEqual(JSON.parse(req.body), { lead: 'Lee', source: 'omnis' });
    } finally { await new Promise(r => server.close(r)); }
  }));

  test('audience add and remove, and the exit step', () => withOmnis(async t => {
    await setUpChannels(t, []);
    const id = await publish(t, {
      name: 'Ads', entry: { event: 'Browsed' }, start: 'add_a',
      steps: {
        add_a: { type: 'audience', action: 'add', audience: 'aud-a', platforms: ['facebook'], next: 'add_b' },
        add_b: { type: 'audience', action: 'add', audience: 'aud-b', platforms: ['youtube'], next: 'w' },
        w: { type: 'wait', for: '1d', next: 'rm' },
        rm: { type: 'audience', action: 'remove', audience: 'aud-a', next: 'end' },
        end: { type: 'exit' },
      },
    });
    await person(t, 'aud');
    const entered = t.clock.now();
    await track(t, 'aud', 'Browsed');
    await t.omnis.settle();
    await advance(t, 2 * DAY);
    const rows = await t.omnis.db.query<{ audience: string; added_at: Date; removed_at: Date | null; removed_reason: string | null }>(
      'select audience, added_at, removed_at, removed_reason from audience_memberships where profile_id = $1 order by audience', [await profileId(t, 'aud')]);
    assert.deepEqual(rows.map(r => [r.audience, iso(r.added_at), iso(r.removed_at), r.removed_reason]), [
      ['aud-a', iso(entered), iso(entered + DAY), 'journey step'],
      ['aud-b', iso(entered), null, null],
    ]);
    const [run] = await runsOf(t, 'aud');
    assert.deepEqual([run.status, run.end_reason, run.step, iso(run.ended_at)], ['completed', 'exit step', null, iso(entered + DAY)]);
    const stats = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
    assert.deepEqual(stats.steps.end, { entered: 1, waiting: 0, movedOn: 1, sends: {}, opens: 0, clicks: 0, conversions: 0, revenue: 0 });
  }));
});
