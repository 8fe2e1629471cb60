import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachStore } from '../../testing/index.ts';
// eslint-disable-next-line no-restricted-imports -- test harness of the delivery module (not part of its public face)
import { startDeliveryHarness, PUBLIC_URL, WS, type DeliveryHarness } from '../../messaging/feedback/testing.ts';
import { isOneClick, preferenceAdminRoutes, preferenceRoutes } from './preferences.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

forEachStore('unsubscribe links and the preference center', kind => {
  let h: DeliveryHarness;
  let app: FastifyInstance;
  let pid: string;
  let token: string;
  const admin = async (method: 'GET' | 'PUT' | 'POST', url: string, body?: unknown) => {
    const r = await app.inject({ method, url, headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.statusCode, json: r.json() };
  };
  const consent = async () => (await h.profile({ type: 'user_id', value: 'mia' }))!.consent;

  before(async () => {
    h = await startDeliveryHarness(kind);
    app = await h.serve({
      routes: async a => { await a.register(preferenceRoutes, { preferences: h.delivery.preferences }); },
      admin: async a => { await a.register(preferenceAdminRoutes, { preferences: h.delivery.preferences }); },
    });
    pid = await h.identify({
      userId: 'mia', traits: { email: 'mia@example.com', phone: '+1 646 555 0144' },
      context: { consent: { categoryPreferences: { email: true, sms: true } } },
    });
    await h.track({ userId: 'mia', event: 'Subscribed', properties: { channel: 'email', topic: 'newsletter' } });
    await h.track({ userId: 'mia', event: 'Subscribed', properties: { channel: 'email', topic: '<script>alert("x")</script>' } });
    const link = await admin('POST', '/api/v1/unsubscribe-links', { profileId: pid, channel: 'email' });
    assert.equal(link.status, 200);
    assert.ok(link.json.url.startsWith(`${PUBLIC_URL}/u/`));
    token = link.json.url.slice(`${PUBLIC_URL}/u/`.length);
  });
  after(async () => { await app.close(); await h.close(); });

  test('the headers the dispatcher adds to marketing email point at the one-click route', () => {
    const headers = h.delivery.unsubscribeHeaders({ workspaceId: WS, profileId: pid, channel: 'email', purpose: 'marketing', createdAt: h.clock.now() });
    assert.equal(headers['List-Unsubscribe'], `<${PUBLIC_URL}/u/${token}>`);
    assert.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  });

  test('topics: admin PUT and GET; bad keys name the field', async () => {
    const put = await admin('PUT', '/api/v1/preference-topics', { topics: [
      { key: 'email.newsletter', label: 'Newsletter', description: 'Once a week' },
      { key: 'email.deals', label: 'Deals & "offers" <b>now</b>' },
    ] });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json.topics.map((t: { key: string }) => t.key), ['email.newsletter', 'email.deals']);
    const bad = await admin('PUT', '/api/v1/preference-topics', { topics: [{ key: 'newsletter', label: 'x' }] });
    assert.deepEqual([bad.status, bad.json.error.field], [400, 'topics.0.key']);
    assert.equal((await admin('GET', '/api/v1/preference-topics')).json.topics.length, 2);
  });

  test('GET /u/TOKEN: a plain page with a checkbox per channel and per topic, every value escaped', async () => {
    const r = await app.inject({ method: 'GET', url: `/u/${token}` });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    const page = r.body;
    assert.ok(!/<script/i.test(page), 'no script, and the injected topic is escaped');
    assert.ok(page.includes('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;'));
    assert.ok(page.includes('Deals &#38; &#34;offers&#34; &#60;b&#62;now&#60;/b&#62;'));
    assert.ok(!page.includes('<b>now</b>'));
    assert.match(page, /<input type="checkbox" name="consent" value="email" checked> Email/);
    assert.match(page, /<input type="checkbox" name="consent" value="sms" checked> Text messages/);
    assert.match(page, /value="email\.newsletter" checked> Newsletter<\/label><small>Once a week<\/small>/);
    assert.match(page, /value="email\.deals"> Deals/, 'a configured topic not yet chosen is unchecked');
    assert.ok(page.includes(`action="/u/${token}/preferences"`));
    assert.ok(page.includes('For m•••@example.com'));
  });

  test('POST /u/TOKEN with List-Unsubscribe=One-Click denies email consent through the event log; repeats are one event', async () => {
    h.clock.advance(1000);
    const r = await app.inject({ method: 'POST', url: `/u/${token}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /You are unsubscribed/);
    await app.inject({ method: 'POST', url: `/u/${token}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' });
    await h.omnis.idle();
    const c = await consent();
    assert.equal(c.email.status, 'denied');
    assert.equal(c.sms.status, 'granted', 'only the link\'s channel');
    const events = (await h.events('Unsubscribed')).filter(e => e.profileId === pid);
    assert.equal(events.length, 1);
    assert.deepEqual([events[0].sourceId, events[0].context.profileId, events[0].properties.channel, events[0].properties.source], ['internal', pid, 'email', 'one_click']);
    const empty = await app.inject({ method: 'POST', url: `/u/${token}`, headers: FORM, payload: '' });
    assert.equal(empty.statusCode, 400, 'without the one-click body nothing changes');
  });

  test('the one-click body is also accepted as multipart/form-data', () => {
    const b = '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n';
    assert.ok(isOneClick(b, 'multipart/form-data; boundary=XyZ'));
    assert.ok(!isOneClick(b.replace('One-Click', 'Nope'), 'multipart/form-data; boundary=XyZ'));
    assert.ok(!isOneClick('List-Unsubscribe=Yes', 'application/x-www-form-urlencoded'));
  });

  test('POST /u/TOKEN/preferences saves what changed: email back on, sms off, a topic chosen', async () => {
    h.clock.advance(1000);
    const form = new URLSearchParams([['consent', 'email'], ['consent', 'email.newsletter'], ['consent', 'email.deals'],
      ...['email', 'sms', 'email.newsletter', 'email.deals'].map(k => ['shown', k])]);
    const r = await app.inject({ method: 'POST', url: `/u/${token}/preferences`, headers: FORM, payload: form.toString() });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /Your preferences are saved/);
    assert.match(r.body, /value="sms"> Text messages/, 'the page shows the saved state');
    await h.omnis.idle();
    const c = await consent();
    assert.deepEqual([c.email.status, c.sms.status, c['email.newsletter'].status, c['email.deals'].status], ['granted', 'denied', 'granted', 'granted']);
    assert.equal(c['email.<script>alert("x")</script>'].status, 'granted', 'not shown in this form: left alone');

    h.clock.advance(1000);
    const all = await app.inject({ method: 'POST', url: `/u/${token}/preferences`, headers: FORM, payload: 'unsubscribe_all=1' });
    assert.equal(all.statusCode, 200);
    await h.omnis.idle();
    const after = await consent();
    assert.ok(Object.values(after).every(e => e.status === 'denied'), JSON.stringify(after));
  });

  test('bad links get a 400 page, unknown people a 404 page, expired links a 410 page', async () => {
    const [payload, sig] = token.split('.');
    const tampered = await app.inject({ method: 'GET', url: `/u/${payload}.${sig.slice(1)}A` });
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.body, /This link is not valid/);
    assert.equal((await app.inject({ method: 'GET', url: '/u/short' })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: `/u/${payload}.x${sig}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 400);
    const ghost = (await admin('POST', '/api/v1/unsubscribe-links', { profileId: 'prof_nobody', channel: 'email' })).json.url.slice(`${PUBLIC_URL}/u/`.length);
    assert.equal((await app.inject({ method: 'GET', url: `/u/${ghost}` })).statusCode, 404);
    h.clock.advance(366 * 24 * 3600 * 1000);
    const expired = await app.inject({ method: 'GET', url: `/u/${token}` });
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /This link has expired/);
    assert.equal((await app.inject({ method: 'POST', url: `/u/${token}`, headers: FORM, payload: 'List-Unsubscribe=One-Click' })).statusCode, 410);
  });
});
