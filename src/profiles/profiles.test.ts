import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import type { VirtualClock } from '../shared/index.ts';

forEachStore('profiles and identity resolution', kind => {
  let t: TestOmnis;
  before(async () => { t = await startTestOmnis(kind); });
  after(async () => { await t.close(); });
  const find = async (identifier: string) => (await t.admin('GET', `/api/v1/profiles?identifier=${encodeURIComponent(identifier)}`));

  test('two user_ids on one device stay two profiles; the conflict is recorded', async () => {
    await t.track('/v1/identify', { userId: 'alice', anonymousId: 'family-ipad', traits: { email: 'alice@example.com' } });
    await t.track('/v1/identify', { userId: 'bob', anonymousId: 'family-ipad', traits: { email: 'bob@example.com' } });
    await t.omnis.idle();
    const a = (await find('user_id:alice')).json;
    const b = (await find('user_id:bob')).json;
    assert.notEqual(a.id, b.id);
    assert.ok(b.identities.some((i: { type: string; value: string }) => i.value === 'bob@example.com'));
    assert.ok(!b.identities.some((i: { type: string }) => i.type === 'anonymous_id'));
    assert.equal(b.conflicts.length, 1);
    assert.equal(b.conflicts[0].type, 'anonymous_id');
    assert.equal(b.conflicts[0].otherProfileId, a.id);
  });

  test('alias merges previousId into userId; the merged-away id still resolves to the survivor; merges are logged', async () => {
    await t.track('/v1/track', { anonymousId: 'cookie-77', event: 'Product Viewed' });
    await t.omnis.idle();
    const anon = (await find('anonymous_id:cookie-77')).json;
    await t.track('/v1/identify', { userId: 'carol', traits: { name: 'Carol' } });
    await t.omnis.idle();
    const carol = (await find('user_id:carol')).json;
    assert.notEqual(anon.id, carol.id);
    await t.track('/v1/alias', { userId: 'carol', previousId: 'cookie-77' });
    await t.omnis.idle();
    const merged = (await t.admin('GET', `/api/v1/profiles/${anon.id}`)).json;
    const survivor = anon.id < carol.id ? anon : carol; // same created time on the virtual clock: the smaller id wins the tie
    assert.equal(merged.id, survivor.id);
    assert.deepEqual(merged.mergedFrom, [anon.id === survivor.id ? carol.id : anon.id]);
    const tl = await t.admin('GET', `/api/v1/profiles/${merged.id}/events`);
    assert.deepEqual(tl.json.events.map((e: { type: string }) => e.type).sort(), ['alias', 'identify', 'track']);
    const exp = await t.admin('GET', `/api/v1/profiles/${merged.id}/export`);
    assert.equal(exp.json.merges.length, 1);
  });

  test('late events never overwrite newer traits', async () => {
    await t.track('/v1/identify', { userId: 'dan', traits: { city: 'Boston', tier: 'gold' }, timestamp: '2026-03-01T12:00:00Z' });
    await t.track('/v1/identify', { userId: 'dan', traits: { city: 'Albany', size: 'M' }, timestamp: '2026-02-01T12:00:00Z' });
    await t.omnis.idle();
    const p = (await find('user_id:dan')).json;
    assert.equal(p.traits.city, 'Boston');
    assert.equal(p.traits.size, 'M');
    assert.equal(p.traits.tier, 'gold');
  });

  test('consent from context.consent and from (un)subscribe events, latest wins; reachability, time zone and seen per channel', async () => {
    await t.track('/v1/identify', {
      userId: 'erin', traits: { email: 'erin@example.com', phone: '+1 415 555 0100' }, timestamp: '2026-03-01T10:00:00Z',
      context: { consent: { categoryPreferences: { email: true, sms: true, advertising: false } }, timezone: 'America/Los_Angeles', device: { token: 'push-tok-1' } },
    });
    await t.track('/v1/track', { userId: 'erin', event: 'Unsubscribed', properties: { channel: 'sms' }, timestamp: '2026-03-01T11:00:00Z', context: { channel: 'sms' } });
    await t.track('/v1/track', { userId: 'erin', event: 'Subscribed', properties: { channel: 'sms' }, timestamp: '2026-02-01T11:00:00Z', context: { channel: 'sms' } });
    await t.omnis.idle();
    const p = (await find('user_id:erin')).json;
    assert.equal(p.consent.email.status, 'granted');
    assert.equal(p.consent.sms.status, 'denied', 'the older Subscribed arrived late and does not win');
    assert.equal(p.consent.advertising.status, 'denied');
    assert.equal(p.channels.email.reachable, true);
    assert.equal(p.channels.sms.phone, '+14155550100');
    assert.deepEqual(p.channels.push.tokens, ['push-tok-1']);
    assert.equal(p.timezone, 'America/Los_Angeles');
    assert.equal(p.seen.sms.firstSeen, '2026-02-01T11:00:00.000Z');
    assert.equal(p.seen.web.lastSeen, '2026-03-01T10:00:00.000Z');
  });

  test("Omnis's own feedback about a send leaves the profile unwritten unless it changes it (a hard bounce does)", async () => {
    await t.track('/v1/identify', { userId: 'fern', traits: { email: 'fern@example.com' } });
    await t.omnis.idle();
    const p = (await find('user_id:fern')).json;
    const row = async () => (await t.omnis.db.query<{ v: string }>('select xmin::text as v from profiles where id = $1', [p.id]))[0].v;
    const written = await row();
    (t.clock as VirtualClock).advance(3_600_000);
    const feedback = (n: number, event: string, properties: Record<string, string>) => ({
      messageId: `fb-fern-${n}`, type: 'track' as const, event, userId: null, anonymousId: p.id, channel: 'email', timestamp: t.clock.now(), receivedAt: t.clock.now(),
      sourceId: 'internal', properties, traits: {}, context: { profileId: p.id },
    });
    await t.omnis.log.append('default', [feedback(1, 'Message Sent', { messageId: 'msg_1', status: 'sent' }), feedback(2, 'Message Delivered', { messageId: 'msg_1', status: 'delivered' })]);
    await t.omnis.idle();
    assert.equal(await row(), written, 'the profile row was not written again');
    assert.equal((await find('user_id:fern')).json.updatedAt, p.updatedAt);
    await t.omnis.log.append('default', [feedback(3, 'Email Bounced', { bounceType: 'hard', recipient: 'fern@example.com', reason: 'no such user' })]);
    await t.omnis.idle();
    const bounced = (await find('user_id:fern')).json;
    assert.notEqual(await row(), written);
    assert.equal(bounced.channels.email.reachable, false);
    assert.equal(bounced.updatedAt, new Date(t.clock.now()).toISOString());
  });

  test('timeline pages with a cursor and filters by channel', async () => {
    for (let i = 0; i < 5; i++) await t.track('/v1/track', { userId: 'fay', event: `E${i}`, timestamp: `2026-03-0${i + 1}T00:00:00Z`, context: { channel: i % 2 ? 'email' : 'web' } });
    await t.omnis.idle();
    const id = (await find('user_id:fay')).json.id;
    const p1 = (await t.admin('GET', `/api/v1/profiles/${id}/events?limit=2`)).json;
    assert.deepEqual(p1.events.map((e: { event: string }) => e.event), ['E4', 'E3']);
    const p2 = (await t.admin('GET', `/api/v1/profiles/${id}/events?limit=2&cursor=${p1.nextCursor}`)).json;
    assert.deepEqual(p2.events.map((e: { event: string }) => e.event), ['E2', 'E1']);
    const p3 = (await t.admin('GET', `/api/v1/profiles/${id}/events?limit=2&cursor=${p2.nextCursor}`)).json;
    assert.deepEqual(p3.events.map((e: { event: string }) => e.event), ['E0']);
    assert.equal(p3.nextCursor, null);
    const email = (await t.admin('GET', `/api/v1/profiles/${id}/events?channel=email`)).json;
    assert.deepEqual(email.events.map((e: { event: string }) => e.event), ['E3', 'E1']);
    assert.equal((await t.admin('GET', `/api/v1/profiles/${id}/events?limit=0`)).status, 400);
    assert.equal((await t.admin('GET', `/api/v1/profiles/${id}/events?cursor=garbage`)).json.error.field, 'cursor');
  });

  test('forgetting a profile deletes its data and drops later events naming its identifiers', async () => {
    await t.track('/v1/identify', { userId: 'gus', traits: { email: 'gus@example.com', secret: 'x' } });
    await t.track('/v1/track', { userId: 'gus', event: 'Order Completed' });
    await t.omnis.idle();
    const id = (await find('email:gus@example.com')).json.id;
    const del = await t.admin('DELETE', `/api/v1/profiles/${id}`);
    assert.equal(del.status, 200);
    assert.equal(del.json.eventsDeleted, 2);
    assert.equal((await t.admin('GET', `/api/v1/profiles/${id}`)).status, 404);
    assert.equal((await find('email:gus@example.com')).status, 404);
    await t.track('/v1/track', { anonymousId: 'new-cookie', event: 'Came Back', context: { traits: { email: 'GUS@example.com' } } });
    await t.track('/v1/track', { userId: 'gus', event: 'Again' });
    await t.omnis.idle();
    assert.equal((await find('anonymous_id:new-cookie')).status, 404);
    const left = await t.omnis.db.query(`select 1 from events where name in ('Came Back', 'Again')`);
    assert.equal(left.length, 0);
    const stored = await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from suppressed_identifiers where value_hash like '%@%'`);
    assert.equal(stored[0].n, 0, 'identifiers are kept only as hashes');
  });

  test('unknown ids and bad identifiers answer clearly', async () => {
    assert.equal((await t.admin('GET', '/api/v1/profiles/prof_nope')).status, 404);
    const bad = await find('no-colon');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'identifier');
    assert.equal((await find('email:not-an-email')).status, 400);
    const rules = await t.admin('PUT', '/api/v1/identity-rules', { limits: { email: -1 } });
    assert.equal(rules.status, 400);
    assert.equal(rules.json.error.field, 'identity.limits.email');
  });
});
