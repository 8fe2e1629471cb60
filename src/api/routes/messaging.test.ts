import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachStore, openTestDb, type TestDb } from '../../testing/index.ts';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis } from '../../app/index.ts';
import { createKey } from '../../ingest/index.ts';
import { VirtualClock } from '../../shared/index.ts';
import { createMessaging, type Messaging } from '../../messaging/index.ts';
import { buildServer } from '../server.ts';

const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'route-test-secret-token-31337';

forEachStore('messaging API', kind => {
  let t: TestDb;
  let omnis: Omnis;
  let messaging: Messaging;
  let app: FastifyInstance;
  let adminKey: string;
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } });
    return { status: r.statusCode, json: JSON.parse(r.body || 'null'), body: r.body };
  };

  before(async () => {
    t = await openTestDb(kind);
    const clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
    omnis = await createOmnis({ db: t.db, clock });
    messaging = createMessaging({
      db: t.db, clock, secretKey: 'api-test-secret-key-0123456789',
      loadTemplate: async (_ws, key, channel) => (key === 'welcome' && channel === 'email' ? { key, channel, subject: 'Hi {{ profile.traits.firstName }}', text: 'Welcome!' } : null),
      loadProfiles: async (_ws, ids) => new Map(ids.map(id => [id, { traits: { firstName: 'Ada' }, computed: {}, consent: { email: { status: 'granted' as const, at: 0, source: 'test' } }, channels: { email: { address: 'ada@example.com', reachable: true } }, timezone: null, locale: null }])),
      onError: err => { throw err; },
    });
    app = await buildServer(omnis, { messaging });
    adminKey = (await createKey(t.db, { workspaceId: DEFAULT_WORKSPACE, kind: 'admin', name: 'test' })).secret;
  });
  after(async () => { await app.close(); await messaging.stop(); await omnis.stop(); await t.close(); });

  test('conformance: PUT an SMTP email channel is 2xx; GET messages of a profile is 200', async () => {
    const put = await call('PUT', '/api/v1/channels/email', { provider: 'smtp', settings: { host: '127.0.0.1', port: 2525, secure: false, from: 'shop@example.com' } });
    assert.ok(put.status >= 200 && put.status < 300, put.body);
    assert.equal(put.json.provider, 'smtp');
    const list = await call('GET', '/api/v1/messages?profileId=x');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json, { messages: [], nextCursor: null });
  });

  test('secrets never come back: PUT, GET, list show the mask; bad settings name the field', async () => {
    const put = await call('PUT', '/api/v1/channels/sms', { provider: 'twilio', settings: { accountSid: SID, authToken: TOKEN, from: '+15550001111' }, rateLimit: 10 });
    assert.equal(put.status, 200, put.body);
    assert.equal(put.json.settings.authToken, '••••');
    assert.deepEqual(put.json.secrets, { authToken: { set: true } });
    for (const r of [put, await call('GET', '/api/v1/channels/sms'), await call('GET', '/api/v1/channels')]) {
      assert.equal(r.status, 200);
      assert.ok(!r.body.includes(TOKEN), 'the secret is not in any answer');
    }
    const raw = await t.db.query(`select * from channel_configs where channel = 'sms'`);
    assert.ok(!JSON.stringify(raw).includes(TOKEN), 'nor in the stored row');
    assert.deepEqual((await call('GET', '/api/v1/channels')).json.channels.map((c: { channel: string }) => c.channel), ['email', 'sms']);

    const bad = await call('PUT', '/api/v1/channels/sms', { provider: 'twilio', settings: { accountSid: 'AC1', authToken: 'x', from: '+1555' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'settings.accountSid');
    const wrong = await call('PUT', '/api/v1/channels/sms', { provider: 'smtp', settings: {} });
    assert.deepEqual([wrong.status, wrong.json.error.field], [400, 'provider']);
    const noProvider = await call('PUT', '/api/v1/channels/sms', { settings: {} });
    assert.equal(noProvider.status, 400);
    assert.equal(noProvider.json.error.field, 'provider');
  });

  test('GET and DELETE a channel; unknown ones are 404', async () => {
    await call('PUT', '/api/v1/channels/push', { provider: 'capture' });
    assert.equal((await call('DELETE', '/api/v1/channels/push')).status, 200);
    assert.equal((await call('GET', '/api/v1/channels/push')).status, 404);
    assert.equal((await call('DELETE', '/api/v1/channels/push')).status, 404);
    assert.equal((await call('GET', '/api/v1/channels/Not-A-Channel')).status, 400);
  });

  test('messages: every field, the history, the rendered content, and what capture kept', async () => {
    await call('PUT', '/api/v1/channels/email', { provider: 'capture' });
    const { id } = await messaging.enqueue(t.db, { workspaceId: DEFAULT_WORKSPACE, idempotencyKey: 'run1:s1:p9', profileId: 'p9', channel: 'email', templateKey: 'welcome', journeyId: 'j1', journeyVersion: 1, stepId: 's1', runId: 'run1' });
    await messaging.dispatcher.runOnce();
    const list = await call('GET', '/api/v1/messages?profileId=p9&limit=10');
    assert.equal(list.status, 200);
    const [m] = list.json.messages;
    for (const field of ['id', 'profileId', 'channel', 'provider', 'template', 'journeyId', 'journeyVersion', 'stepId', 'status', 'reason', 'sendAt', 'sentAt', 'createdAt', 'updatedAt', 'providerMessageId', 'attempts', 'history']) {
      assert.ok(field in m, `field ${field}`);
    }
    assert.deepEqual([m.id, m.profileId, m.channel, m.provider, m.template, m.journeyId, m.journeyVersion, m.stepId, m.status, m.attempts, m.providerMessageId],
      [id, 'p9', 'email', 'capture', 'welcome', 'j1', 1, 's1', 'sent', 1, `cap_${id}`]);
    assert.equal(m.sentAt, '2026-03-02T09:00:00.000Z');
    assert.deepEqual(m.history.map((h: { status: string }) => h.status), ['queued', 'sending', 'sent']);
    assert.equal((await call('GET', '/api/v1/messages?journeyId=j1&status=sent')).json.messages.length, 1);
    assert.equal((await call('GET', '/api/v1/messages?status=queued')).json.messages.length, 0);
    const badStatus = await call('GET', '/api/v1/messages?status=lost');
    assert.equal(badStatus.status, 400);
    assert.equal(badStatus.json.error.field, 'query.status');

    const one = await call('GET', `/api/v1/messages/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.rendered.subject, 'Hi Ada');
    assert.equal(one.json.idempotencyKey, 'run1:s1:p9');
    assert.equal((await call('GET', '/api/v1/messages/msg_nope')).status, 404);

    const captured = await call('GET', '/api/v1/captured-messages?channel=email');
    assert.equal(captured.status, 200);
    assert.equal(captured.json.messages[0].messageId, id);
    assert.equal(captured.json.messages[0].to.email, 'ada@example.com');
  });

  test('providers: each with the channels it serves, its settings as JSON Schema, and which are secret', async () => {
    const r = await call('GET', '/api/v1/providers');
    assert.equal(r.status, 200);
    const by = new Map(r.json.data.map((p: { name: string }) => [p.name, p]));
    const smtp = by.get('smtp') as { channels: string[]; secretFields: string[]; settings: { properties: Record<string, unknown>; required?: string[] } };
    assert.deepEqual(smtp.channels, ['email']);
    assert.ok(smtp.secretFields.includes('pass'), JSON.stringify(smtp.secretFields));
    assert.ok('host' in smtp.settings.properties && 'from' in smtp.settings.properties);
    const twilio = by.get('twilio') as { channels: string[]; secretFields: string[] };
    assert.deepEqual([twilio.channels, twilio.secretFields.includes('authToken')], [['sms'], true]);
    assert.ok((by.get('pinterest-audiences') as { channels: string[] }).channels.includes('ads_pinterest'));
  });

  test('admin authentication applies', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/channels' });
    assert.equal(r.statusCode, 401);
  });
});
