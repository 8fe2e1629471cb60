import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { DAY, advanceTo, iso, messagesOf, person, publish, setUpChannels, track } from './acceptance-helpers.ts';

/**
 * The contact policy as the engine and the dispatcher apply it: the journey queues the
 * message, the outbox checks caps, journey priority and quiet hours when it goes, in the
 * profile's time zone. The clock starts on Monday 2026-03-02 09:00 UTC.
 */
forEachStore('contact policy through the engine and the outbox', kind => {
  const withOmnis = async (policy: Record<string, unknown>, fn: (t: TestOmnis) => Promise<void>) => {
    const t = await startTestOmnis(kind);
    try {
      await setUpChannels(t, ['promo-a', 'promo-b', 'later', 'receipt', 'high', 'low', 'quiet'], ['promo-b-sms']);
      const r = await t.admin('PUT', '/api/v1/contact-policy', policy);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      await fn(t);
    } finally { await t.close(); }
  };
  const sender = (name: string, entry: string, template: string, opts: { priority?: number; purpose?: string } = {}) => ({
    name, entry: { event: entry }, reentry: 'after_exit', ...(opts.priority === undefined ? {} : { priority: opts.priority }), start: 's',
    steps: { s: { type: 'send', channel: template.endsWith('-sms') ? 'sms' : 'email', template, ...(opts.purpose ? { purpose: opts.purpose } : {}), next: 'end' }, end: { type: 'exit' } },
  });
  const at = (isoTime: string) => Date.parse(isoTime);
  const summary = async (t: TestOmnis, user: string) => (await messagesOf(t, user)).map(m => `${m.template_key}:${m.status}:${m.status === 'sent' ? iso(m.sent_at) : m.reason}`);

  test('a cap across journeys: {"channel": "any", "max": 1, "per": "1d"} lets one of two journeys through, the other is suppressed naming the cap', () =>
    withOmnis({ caps: [{ channel: 'any', max: 1, per: '1d' }] }, async t => {
      await publish(t, sender('Promo A', 'Go', 'promo-a'));
      await publish(t, { ...sender('Promo B', 'Go', 'promo-b-sms') });
      await publish(t, sender('Later', 'Later', 'later'));
      await person(t, 'capped');
      const start = t.clock.now();
      await track(t, 'capped', 'Go');
      await t.omnis.settle();
      const first = await messagesOf(t, 'capped');
      assert.equal(first.length, 2);
      const sent = first.filter(m => m.status === 'sent');
      const suppressed = first.filter(m => m.status === 'suppressed');
      assert.equal(sent.length, 1, JSON.stringify(first));
      assert.equal(suppressed.length, 1);
      assert.equal(suppressed[0].reason, 'cap:any:1/1d');
      assert.notEqual(sent[0].journey_id, suppressed[0].journey_id);
      // A message sent at t counts while now − 1d < t: 1 ms before the day is out, still capped; at the day, free.
      await advanceTo(t, start + DAY - 1);
      await track(t, 'capped', 'Later');
      await t.omnis.settle();
      await advanceTo(t, start + DAY);
      await track(t, 'capped', 'Later');
      await t.omnis.settle();
      const later = (await messagesOf(t, 'capped')).filter(m => m.template_key === 'later');
      assert.deepEqual(later.map(m => `${m.status}:${m.reason}`), ['suppressed:cap:any:1/1d', 'sent:null']);
      const history = await t.omnis.db.query<{ status: string }>('select status from message_status_history where message_id = $1 order by id', [suppressed[0].id]);
      assert.deepEqual(history.map(h => h.status), ['queued', 'sending', 'suppressed']);
    }));

  test('a round of several customers: each is capped by their own sends only', () =>
    withOmnis({ caps: [{ channel: 'any', max: 1, per: '1d' }] }, async t => {
      await publish(t, sender('Promo A', 'Go', 'promo-a'));
      await publish(t, sender('Later', 'Later', 'later'));
      const people = ['round-1', 'round-2', 'round-3', 'round-4'];
      for (const p of people) await person(t, p);
      // Two of them already had their one message of the day.
      for (const p of people.slice(0, 2)) await track(t, p, 'Go');
      await t.omnis.settle();
      // All four in one batch: their messages leave in one round of the dispatcher.
      const r = await t.track('/v1/batch', { batch: people.map(userId => ({ type: 'track', userId, event: 'Later' })) });
      assert.equal(r.status, 200);
      await t.omnis.settle();
      const later = async (p: string) => (await messagesOf(t, p)).filter(m => m.template_key === 'later').map(m => `${m.status}:${m.reason}`);
      assert.deepEqual(await Promise.all(people.map(later)), [['suppressed:cap:any:1/1d'], ['suppressed:cap:any:1/1d'], ['sent:null'], ['sent:null']]);
    }));

  test('quiet hours "delay": held until the window ends in the profile\'s zone (New York, Kolkata), across both daylight-saving changes', () =>
    withOmnis({ caps: [], quietHours: { start: '21:00', end: '08:00', action: 'delay' } }, async t => {
      await publish(t, sender('Quiet', 'Go', 'quiet'));
      await person(t, 'kol', { timezone: 'Asia/Kolkata' });
      await person(t, 'ny', { timezone: 'America/New_York' });
      await person(t, 'ny-dst', { timezone: 'America/New_York' });
      await person(t, 'ny-fall', { timezone: 'America/New_York' });
      const go = async (user: string, when: string) => { await advanceTo(t, at(when)); await track(t, user, 'Go'); await t.omnis.settle(); };
      await go('kol', '2026-03-02T17:00:00Z'); // 22:30 in Kolkata
      const held = await messagesOf(t, 'kol');
      assert.deepEqual(held.map(m => [m.status, m.reason, iso(m.send_at)]), [['queued', 'delayed by contact policy', '2026-03-03T02:30:00.000Z']]);
      await go('ny', '2026-03-06T15:00:00Z'); // 10:00 in New York: goes at once
      await go('ny', '2026-03-07T03:00:00Z'); // Friday 22:00 EST
      await go('ny-dst', '2026-03-08T03:00:00Z'); // Saturday 22:00 EST; 08:00 on Sunday is EDT
      await go('ny-fall', '2026-11-01T02:00:00Z'); // Saturday 22:00 EDT; 08:00 on Sunday is EST
      await advanceTo(t, at('2026-11-02T00:00:00Z'));
      assert.deepEqual(await summary(t, 'kol'), ['quiet:sent:2026-03-03T02:30:00.000Z']);
      assert.deepEqual(await summary(t, 'ny'), ['quiet:sent:2026-03-06T15:00:00.000Z', 'quiet:sent:2026-03-07T13:00:00.000Z']);
      assert.deepEqual(await summary(t, 'ny-dst'), ['quiet:sent:2026-03-08T12:00:00.000Z']);
      assert.deepEqual(await summary(t, 'ny-fall'), ['quiet:sent:2026-11-01T13:00:00.000Z']);
    }));

  test('quiet hours ending at a time the spring-forward change skips: held until the first instant after the gap', () =>
    withOmnis({ caps: [], quietHours: { start: '23:00', end: '02:30', action: 'delay' } }, async t => {
      await publish(t, sender('Quiet', 'Go', 'quiet'));
      await person(t, 'gap', { timezone: 'America/New_York' });
      await advanceTo(t, at('2026-03-08T04:30:00Z')); // Saturday 23:30 EST
      await track(t, 'gap', 'Go');
      await t.omnis.settle();
      await advanceTo(t, at('2026-03-09T00:00:00Z'));
      assert.deepEqual(await summary(t, 'gap'), ['quiet:sent:2026-03-08T07:00:00.000Z']); // 03:00 EDT
    }));

  test('quiet hours "skip": the message is suppressed, not held', () =>
    withOmnis({ caps: [], quietHours: { start: '21:00', end: '08:00', action: 'skip', channels: ['email'] } }, async t => {
      await publish(t, sender('Quiet', 'Go', 'quiet'));
      await person(t, 'night', { timezone: 'Asia/Kolkata' });
      await advanceTo(t, at('2026-03-02T17:00:00Z'));
      await track(t, 'night', 'Go');
      await t.omnis.settle();
      await advanceTo(t, at('2026-03-04T00:00:00Z'));
      assert.deepEqual(await summary(t, 'night'), ['quiet:suppressed:quiet_hours']);
    }));

  test('transactional sends are exempt from caps, quiet hours and consent', () =>
    withOmnis({ caps: [{ channel: 'any', max: 1, per: '7d' }], quietHours: { start: '21:00', end: '08:00', action: 'skip' }, journeyPriority: 'per_day' }, async t => {
      await publish(t, sender('Promo A', 'Go', 'promo-a', { priority: 90 }));
      await publish(t, sender('Receipt', 'Order Completed', 'receipt', { purpose: 'transactional' }));
      await person(t, 'tx', { timezone: 'America/New_York' });
      await track(t, 'tx', 'Go'); // 04:00 in New York: quiet, skipped
      await t.omnis.settle();
      await advanceTo(t, at('2026-03-02T15:00:00Z'));
      await track(t, 'tx', 'Go'); // 10:00: sent, the week's cap is used up
      await t.omnis.settle();
      await advanceTo(t, at('2026-03-03T03:00:00Z')); // 22:00: quiet, capped, and a higher-priority journey spoke today
      await track(t, 'tx', 'Order Completed');
      await t.omnis.settle();
      // Consent withdrawn: a receipt still goes.
      await t.track('/v1/identify', { userId: 'tx', context: { consent: { categoryPreferences: { email: false } } } });
      await track(t, 'tx', 'Order Completed');
      await t.omnis.settle();
      assert.deepEqual(await summary(t, 'tx'), ['promo-a:suppressed:quiet_hours', 'promo-a:sent:2026-03-02T15:00:00.000Z',
        'receipt:sent:2026-03-03T03:00:00.000Z', 'receipt:sent:2026-03-03T03:00:00.000Z']);
      assert.deepEqual((await messagesOf(t, 'tx')).map(m => m.purpose), ['marketing', 'marketing', 'transactional', 'transactional']);
    }));

  test('journey priority per local day: a lower-priority journey stays silent for the rest of the profile\'s day', () =>
    withOmnis({ caps: [], journeyPriority: 'per_day' }, async t => {
      const high = await publish(t, sender('High', 'High', 'high', { priority: 10 }));
      await publish(t, sender('Low', 'Low', 'low', { priority: 1 }));
      await person(t, 'pr', { timezone: 'America/New_York' });
      const go = async (event: string, when: string) => { await advanceTo(t, at(when)); await track(t, 'pr', event); await t.omnis.settle(); };
      await go('High', '2026-03-02T23:00:00Z'); // Monday 18:00 in New York
      await go('Low', '2026-03-03T04:00:00Z'); // Monday 23:00 there (Tuesday in UTC): same local day, suppressed
      await go('Low', '2026-03-03T05:30:00Z'); // Tuesday 00:30 there: a new day
      await go('High', '2026-03-03T06:00:00Z'); // a higher priority is never held back by a lower one
      assert.deepEqual(await summary(t, 'pr'), [
        'high:sent:2026-03-02T23:00:00.000Z', `low:suppressed:priority:${high}`, 'low:sent:2026-03-03T05:30:00.000Z', 'high:sent:2026-03-03T06:00:00.000Z',
      ]);
    }));
  test('caps count what the customer got before two of their profiles merged', () =>
    withOmnis({ caps: [{ channel: 'any', max: 1, per: '1d' }] }, async t => {
      await publish(t, sender('Promo B', 'Go', 'promo-b-sms'));
      await publish(t, sender('Promo A', 'Later', 'promo-a'));
      await person(t, 'merged');
      await advanceTo(t, t.clock.now() + 60_000); // the known profile is older: it survives
      // The same person on another device, known only by a phone number: they get the SMS.
      await t.track('/v1/identify', { anonymousId: 'device-2', traits: { phone: '+12125550177' }, context: { consent: { categoryPreferences: { sms: true } } } });
      await t.track('/v1/track', { anonymousId: 'device-2', event: 'Go' });
      await t.omnis.settle();
      await t.track('/v1/identify', { anonymousId: 'device-2', userId: 'merged' });
      await t.omnis.settle();
      await track(t, 'merged', 'Later');
      await t.omnis.settle();
      const all = await t.omnis.db.query<{ template_key: string; status: string; reason: string | null }>('select template_key, status, reason from messages order by created_at, id');
      assert.deepEqual(all.map(m => `${m.template_key}:${m.status}:${m.reason}`).sort(), ['promo-a:suppressed:cap:any:1/1d', 'promo-b-sms:sent:null']);
    }));
});
