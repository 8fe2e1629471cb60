import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { forEachStore } from '../../testing/index.ts';
// eslint-disable-next-line no-restricted-imports -- test harness of the delivery module (not part of its public face)
import { startDeliveryHarness, WS, type DeliveryHarness } from '../../messaging/feedback/testing.ts';
import { audienceRoutes, inappRoutes } from './inapp.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

forEachStore('in-app messages and audience routes', kind => {
  let h: DeliveryHarness;
  let app: FastifyInstance;
  let basic: string;
  let ivy: string;
  const get = (url: string, auth: string | null = basic) => app.inject({ method: 'GET', url, headers: auth ? { authorization: auth } : {} });
  const admin = (method: 'GET' | 'POST', url: string) => app.inject({ method, url, headers: { authorization: `Bearer ${h.adminKey}` } });

  before(async () => {
    h = await startDeliveryHarness(kind);
    app = await h.serve({
      routes: async a => { await a.register(inappRoutes, { inapp: h.delivery.inapp, authenticate: (auth, body) => h.omnis.ingest.authenticate(auth, body) }); },
      admin: async a => { await a.register(audienceRoutes, { audiences: h.delivery.audiences }); },
    });
    basic = `Basic ${Buffer.from(`${h.writeKey}:`).toString('base64')}`;
    await h.omnis.messaging.channels.put(WS, 'in_app', { provider: 'capture' });
    await h.omnis.templates.create(WS, { key: 'promo', channel: 'in_app', title: 'Hi {{ profile.traits.firstName }}', body: '10% off today', url: 'https://shop.example/sale' });
    ivy = await h.identify({ userId: 'ivy', anonymousId: 'anon-ivy', traits: { firstName: 'Ivy', email: 'Ivy@Example.com' }, context: { consent: { categoryPreferences: { in_app: true } } } });
  });
  after(async () => { await app.close(); await h.close(); });

  async function sendPromo(key: string): Promise<string> {
    h.clock.advance(25 * 3600 * 1000); // past the default contact policy's two a day
    const { id } = await h.omnis.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: key, profileId: ivy, channel: 'in_app', templateKey: 'promo' });
    await h.omnis.settle();
    assert.equal((await h.omnis.messaging.get(WS, id))!.status, 'sent');
    return id;
  }

  test('GET /v1/messages with the write key: the visitor\'s waiting messages, once; then delivered', async () => {
    const id = await sendPromo('promo:1');
    assert.equal((await get('/v1/messages?userId=ivy', null)).statusCode, 401);
    const r = await get('/v1/messages?userId=ivy');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const [m] = r.json().messages;
    assert.deepEqual([m.id, m.title, m.body, m.url, m.template], [id, 'Hi Ivy', '10% off today', 'https://shop.example/sale', 'promo']);
    assert.equal((await h.omnis.messaging.get(WS, id))!.status, 'delivered');
    assert.deepEqual((await get('/v1/messages?userId=ivy')).json(), { messages: [] }, 'fetched once');
    await h.omnis.idle();
    assert.ok((await h.events('Message Delivered')).some(e => e.properties.messageId === id && e.profileId === ivy));
  });

  test('the anonymous id works too, and the write key may ride in the query; unknown visitors have none', async () => {
    const id = await sendPromo('promo:2');
    const r = await get(`/v1/messages?anonymousId=anon-ivy&writeKey=${h.writeKey}`, null);
    assert.deepEqual(r.json().messages.map((m: { id: string }) => m.id), [id]);
    assert.deepEqual((await get('/v1/messages?userId=stranger')).json(), { messages: [] });
    const none = await get('/v1/messages');
    assert.deepEqual([none.statusCode, none.json().error.field], [400, 'query.userId']);
    const pre = await app.inject({ method: 'OPTIONS', url: '/v1/messages', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    assert.equal(pre.statusCode, 204);
    assert.match(String(pre.headers['access-control-allow-headers']), /authorization/);
  });

  test('POST /v1/messages/:id/events records what the visitor did, pinned to their profile; not someone else\'s message', async () => {
    const id = await sendPromo('promo:3');
    await get('/v1/messages?userId=ivy');
    const click = await app.inject({ method: 'POST', url: `/v1/messages/${id}/events`, headers: { authorization: basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: 'ivy', event: 'clicked', properties: { button: 'shop' } }) });
    assert.equal(click.statusCode, 200, click.body);
    await h.omnis.idle();
    const [e] = await h.events('In-App Message Clicked');
    assert.deepEqual([e.profileId, e.channel, e.properties.messageId, e.properties.button], [ivy, 'in_app', id, 'shop']);
    await h.identify({ userId: 'other' });
    const theirs = await app.inject({ method: 'POST', url: `/v1/messages/${id}/events`, headers: { authorization: basic, 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: 'other', event: 'viewed' }) });
    assert.equal(theirs.statusCode, 404);
  });

  test('audiences: list, membership at a time, CSV export with hashes, resync; unknown names are 404', async () => {
    const jon = await h.identify({ userId: 'jon', traits: { email: 'jon@example.com', phone: '+1 415 555 0177' } });
    const t0 = h.clock.now();
    const add = (pid: string, at: number) => h.db.query<{ id: number }>(
      `insert into audience_memberships (workspace_id, audience, profile_id, journey_id, platforms, added_at) values ($1, 'winback', $2, 'j9', '["facebook"]', $3) returning id`,
      [WS, pid, new Date(at).toISOString()]);
    await add(ivy, t0);
    const [jonRow] = await add(jon, t0 + 60_000);
    await h.db.query(`update audience_memberships set removed_at = $2 where id = $1`, [jonRow.id, new Date(t0 + 120_000).toISOString()]);

    const list = await admin('GET', '/api/v1/audiences');
    assert.equal(list.statusCode, 200);
    const winback = list.json().audiences.find((a: { name: string }) => a.name === 'winback');
    assert.deepEqual([winback.members, winback.everMembers, winback.pending, winback.firstAddedAt], [1, 2, 2, new Date(t0).toISOString()]);

    const at = (t: number, q = '') => admin('GET', `/api/v1/audiences/winback/members?at=${new Date(t).toISOString()}${q}`);
    const ids = async (t: number) => (await at(t)).json().members.map((m: { profileId: string }) => m.profileId).sort();
    assert.deepEqual(await ids(t0 - 1), []);
    assert.deepEqual(await ids(t0 + 90_000), [ivy, jon].sort());
    assert.deepEqual(await ids(t0 + 120_000), [ivy], 'jon left at t0+2min');
    const page = (await at(t0 + 90_000, '&limit=1')).json();
    assert.equal(page.members.length, 1);
    const next = (await at(t0 + 90_000, `&limit=1&cursor=${page.nextCursor}`)).json();
    assert.equal(next.members.length, 1);
    assert.equal(next.nextCursor, null);
    assert.equal((await admin('GET', '/api/v1/audiences/winback/members?at=yesterday')).statusCode, 400);

    const csv = await admin('GET', '/api/v1/audiences/winback/export?platform=facebook');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(String(csv.headers['content-disposition']), /attachment; filename="winback-facebook.csv"/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'email,phone,fn,ln,zip,country');
    assert.deepEqual(lines.slice(1), [`${sha('ivy@example.com')},,${sha('ivy')},,,`]);
    const past = await admin('GET', `/api/v1/audiences/winback/export?platform=plain&at=${new Date(t0 + 90_000).toISOString()}`);
    assert.ok(past.body.includes(sha('+14155550177')), 'E.164 phone hash of a member at that time');
    const google = await admin('GET', '/api/v1/audiences/winback/export?platform=google');
    assert.equal(google.body.trim(), 'Email,Phone,First Name,Last Name,Country,Zip', 'these memberships are for facebook only');

    assert.equal((await admin('GET', '/api/v1/audiences/nope/members')).statusCode, 404);
    assert.equal((await admin('GET', '/api/v1/audiences/winback/export?platform=myspace')).statusCode, 400);
    assert.equal((await admin('POST', '/api/v1/audiences/winback/sync')).statusCode, 202);
  });
});
