import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import { OmnisError } from '../../shared/index.ts';
import { startFakeHttp, type FakeHttpServer } from '../providers/testing/fakeHttp.ts';
import { startDeliveryHarness, PUBLIC_URL, WS, type DeliveryHarness } from './testing.ts';
import { META_SECRET, TWILIO_SID, TWILIO_TOKEN, messengerText, metaWebhook, sendgridKeys, sendgridWebhook, twilioWebhook, type Signed } from './fixtures.ts';

forEachStore('provider webhooks in', kind => {
  let h: DeliveryHarness;
  let sendgrid: FakeHttpServer;
  const keys = sendgridKeys();
  const hook = (s: Signed, provider: string) => h.delivery.feedback.webhook(WS, provider, { headers: s.headers, rawBody: s.rawBody, query: {}, url: `/webhooks/${provider}/${WS}` });

  before(async () => {
    h = await startDeliveryHarness(kind);
    let n = 0;
    sendgrid = await startFakeHttp(() => ({ status: 202, headers: { 'x-message-id': `sgmsg-${++n}` } }));
    await h.omnis.messaging.channels.put(WS, 'email', { provider: 'sendgrid', settings: { apiKey: 'SG.test', from: 'shop@example.com', baseUrl: sendgrid.url, webhookPublicKey: keys.publicKey } });
    await h.omnis.messaging.channels.put(WS, 'sms', { provider: 'twilio', settings: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15550001111' } });
    await h.omnis.messaging.channels.put(WS, 'messenger', { provider: 'messenger', settings: { pageAccessToken: 'page-token', appSecret: META_SECRET, verifyToken: 'verify-me' } });
    await h.omnis.templates.create(WS, { key: 'welcome', channel: 'email', subject: 'Hi', html: '<p>Hello there</p>' });
  });
  after(async () => { await sendgrid.close(); await h.close(); });

  /** An email sent to a new profile through the fake SendGrid; returns the outbox row. */
  async function sentEmail(userId: string, email: string) {
    const profileId = await h.identify({ userId, traits: { email }, context: { consent: { categoryPreferences: { email: true } } } });
    const { id } = await h.omnis.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: `welcome:${userId}`, profileId, channel: 'email', templateKey: 'welcome' });
    await h.omnis.settle();
    const m = (await h.omnis.messaging.get(WS, id))!;
    assert.equal(m.status, 'sent', m.reason ?? '');
    return { profileId, message: m };
  }

  test('SendGrid delivered and open about our email: the row moves, pinned events follow, a replay changes nothing', async () => {
    const { profileId, message } = await sentEmail('ada', 'ada@example.com');
    const events = [
      { event: 'processed', email: 'ada@example.com', timestamp: 1772442000, sg_event_id: 'p1', sg_message_id: `${message.providerMessageId}.recvd-1` },
      { event: 'delivered', email: 'ada@example.com', timestamp: 1772442001, sg_event_id: 'd1', sg_message_id: `${message.providerMessageId}.recvd-1` },
      { event: 'open', email: 'ada@example.com', timestamp: 1772442060, sg_event_id: 'o1', sg_message_id: `${message.providerMessageId}.recvd-1`, useragent: 'Mail' },
    ];
    const signed = sendgridWebhook(events, keys.privateKey);
    assert.deepEqual(await hook(signed, 'sendgrid'), { events: 2, messages: 2, people: 0, ignored: 0 });
    await h.omnis.idle();
    assert.equal((await h.omnis.messaging.get(WS, message.id))!.status, 'delivered');
    const [delivered] = await h.events('Email Delivered');
    assert.equal(delivered.sourceId, 'internal');
    assert.equal(delivered.context.profileId, profileId);
    assert.equal(delivered.anonymousId, profileId);
    assert.equal(delivered.profileId, profileId, 'the pipeline kept it on the message\'s profile');
    assert.equal(delivered.channel, 'email');
    assert.equal(delivered.properties.messageId, message.id);
    assert.equal(delivered.timestamp, 1772442001000);
    const [opened] = await h.events('Email Opened');
    assert.equal(opened.properties.userAgent, 'Mail');
    assert.equal((await h.events('Message Delivered')).length, 1);

    assert.deepEqual(await hook(signed, 'sendgrid'), { events: 2, messages: 2, people: 0, ignored: 0 });
    await h.omnis.idle();
    assert.equal((await h.events('Email Delivered')).length, 1, 'deduped on the deterministic message id');
    assert.equal((await h.events('Email Opened')).length, 1);
  });

  test('bad signatures are refused and record nothing', async () => {
    const good = sendgridWebhook([{ event: 'open', email: 'x@example.com', timestamp: 1772442000, sg_event_id: 'bad1' }], keys.privateKey);
    const tampered = { ...good, rawBody: Buffer.from(good.body.replace('open', 'spamreport')) };
    await assert.rejects(hook(tampered, 'sendgrid'), (e: unknown) => e instanceof OmnisError && e.kind === 'unauthorized');
    const foreign = sendgridWebhook([{ event: 'open', email: 'x@example.com', timestamp: 1772442000, sg_event_id: 'bad2' }], sendgridKeys().privateKey);
    await assert.rejects(hook(foreign, 'sendgrid'), (e: unknown) => e instanceof OmnisError && e.kind === 'unauthorized');
    const twilio = twilioWebhook({ From: '+14155550100', Body: 'STOP' }, `${PUBLIC_URL}/webhooks/twilio/${WS}`, 'not-the-token');
    await assert.rejects(hook(twilio, 'twilio'), (e: unknown) => e instanceof OmnisError && e.kind === 'unauthorized');
    const meta = metaWebhook(messengerText('psid-x', 'hi', 'm.bad'), 'wrong-secret');
    await assert.rejects(hook(meta, 'messenger'), (e: unknown) => e instanceof OmnisError && e.kind === 'unauthorized');
    await assert.rejects(hook(good, 'lob'), (e: unknown) => e instanceof OmnisError && e.kind === 'not_found', 'no channel uses lob here');
    await h.omnis.idle();
    assert.equal((await h.events('Email Marked as Spam')).length, 0);
  });

  test('an SMS "STOP" names only the phone: the pipeline finds the profile and denies sms consent; START grants it again', async () => {
    const profileId = await h.identify({ userId: 'bob', traits: { phone: '+1 415 555 0199' }, context: { consent: { categoryPreferences: { sms: true } } } });
    assert.equal((await h.profile({ type: 'user_id', value: 'bob' }))!.consent.sms.status, 'granted');
    h.clock.advance(60_000);
    const url = `${PUBLIC_URL}/webhooks/twilio/${WS}`;
    const stop = twilioWebhook({ From: '+14155550199', To: '+15550001111', Body: ' stop ', MessageSid: `SM${'1'.repeat(32)}`, AccountSid: TWILIO_SID }, url, TWILIO_TOKEN, 'tw-1');
    assert.deepEqual(await hook(stop, 'twilio'), { events: 1, messages: 0, people: 1, ignored: 0 });
    await h.omnis.idle();
    const p = (await h.profile({ type: 'user_id', value: 'bob' }))!;
    assert.equal(p.id, profileId);
    assert.equal(p.consent.sms.status, 'denied');
    const [unsub] = await h.events('Unsubscribed');
    assert.equal(unsub.profileId, profileId);
    assert.equal(unsub.sourceId, 'webhook:twilio');
    assert.equal(unsub.properties.channel, 'sms');
    assert.deepEqual(unsub.context.externalIds, [{ id: '+14155550199', type: 'phone', collection: 'users', encoding: 'none' }]);

    h.clock.advance(60_000);
    const start = twilioWebhook({ From: '+14155550199', To: '+15550001111', Body: 'START', MessageSid: `SM${'2'.repeat(32)}` }, url, TWILIO_TOKEN, 'tw-2');
    await hook(start, 'twilio');
    await h.omnis.idle();
    assert.equal((await h.profile({ type: 'user_id', value: 'bob' }))!.consent.sms.status, 'granted');
  });

  test('a Messenger message names the psid: the pipeline resolves it to a profile holding that psid', async () => {
    const r = await hook(metaWebhook(messengerText('psid-777', 'Do you have it in blue?', 'm.abc')), 'messenger');
    assert.equal(r.people, 1);
    await h.omnis.idle();
    const p = await h.profile({ type: 'messenger_psid', value: 'psid-777' });
    assert.ok(p, 'a profile holds the psid');
    const [received] = await h.events('Messenger Message Received');
    assert.equal(received.profileId, p.id);
    assert.equal(received.properties.text, 'Do you have it in blue?');
    assert.equal(received.properties.messageId, undefined, 'not mistaken for an outbox id by journeys');
  });

  test('the Meta GET handshake answers the challenge only for the stored verify token', async () => {
    const q = (token: string) => ({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' });
    assert.equal(await h.delivery.feedback.handshake(WS, 'messenger', q('verify-me')), '1158201444');
    assert.equal(await h.delivery.feedback.handshake(WS, 'messenger', q('guess')), null);
    assert.equal(await h.delivery.feedback.handshake(WS, 'whatsapp', q('verify-me')), null);
    assert.equal(await h.delivery.feedback.handshake('other-ws', 'messenger', q('verify-me')), null);
  });

  test('a hard bounce marks the address unreachable and the row failed', async () => {
    const { message } = await sentEmail('cy', 'cy@example.com');
    const bounce = sendgridWebhook([{
      event: 'bounce', type: 'bounce', email: 'cy@example.com', timestamp: 1772442100, sg_event_id: 'b1',
      sg_message_id: `${message.providerMessageId}.recvd-2`, reason: '550 5.1.1 no such user', status: '5.1.1',
    }], keys.privateKey);
    assert.equal((await hook(bounce, 'sendgrid')).messages, 1);
    await h.omnis.idle();
    const m = (await h.omnis.messaging.get(WS, message.id))!;
    assert.equal(m.status, 'failed');
    assert.match(m.reason ?? '', /Email Bounced: hard bounce, 550 5\.1\.1 no such user/);
    const [bounced] = await h.events('Email Bounced');
    assert.equal(bounced.properties.bounceType, 'hard');
    assert.equal(bounced.properties.recipient, 'cy@example.com');
  });

  test('bounce → email unreachable on the profile', async () => {
    await h.omnis.idle();
    const p = (await h.profile({ type: 'user_id', value: 'cy' }))!;
    assert.equal(p.channels.email?.reachable, false);
    assert.match(p.channels.email?.reason ?? '', /hard bounce/);
  });
});
