import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedbackEvent } from '../providers/index.ts';
import { echoedOutboxId, identifiersOf, propertiesOf, statusOf, uniqueKey } from './map.ts';

const ev = (event: string, properties: Record<string, unknown> = {}, extra: Partial<FeedbackEvent> = {}): FeedbackEvent =>
  ({ event, channel: 'email', timestamp: 1000, properties, ...extra });

test('statusOf: deliveries and failures move the outbox row; engagement does not', () => {
  assert.deepEqual(statusOf(ev('Email Delivered')), { status: 'delivered', reason: null });
  assert.deepEqual(statusOf(ev('SMS Failed', { status: 'undelivered', errorCode: '30006' })), { status: 'failed', reason: 'SMS Failed: error 30006, undelivered' });
  assert.deepEqual(statusOf(ev('Email Bounced', { bounceType: 'soft', reason: 'mailbox full' })), { status: 'failed', reason: 'Email Bounced: soft bounce, mailbox full' });
  for (const name of ['Email Opened', 'Email Link Clicked', 'Unsubscribed', 'Messenger Read', 'SMS Replied']) assert.equal(statusOf(ev(name)), null);
});

test('propertiesOf: the channel is always there (Unsubscribed needs it) and the recipient is kept', () => {
  assert.deepEqual(propertiesOf(ev('Unsubscribed', {}, { identifier: { type: 'phone', value: '+1555' } }), 'sms'), { channel: 'sms', recipient: '+1555' });
  assert.equal(propertiesOf(ev('Unsubscribed', { channel: 'email' }), 'sms').channel, 'email');
});

test('identifiersOf: a WhatsApp id is also the phone number', () => {
  assert.deepEqual(identifiersOf({ type: 'whatsapp', value: '4915112345678' }), [{ type: 'whatsapp', id: '4915112345678' }, { type: 'phone', id: '+4915112345678' }]);
  assert.deepEqual(identifiersOf({ type: 'messenger_psid', value: 'p1' }), [{ type: 'messenger_psid', id: 'p1' }]);
});

test('uniqueKey prefers the provider\'s event id; echoedOutboxId reads SendGrid and WhatsApp echoes', () => {
  assert.equal(uniqueKey(ev('Email Opened', { eventId: 'sg1', webhookId: 'w' })), 'eventId:sg1');
  assert.equal(uniqueKey(ev('SMS Delivered', { webhookId: 'tw1' })), 'webhookId:tw1');
  assert.equal(uniqueKey(ev('Messenger Read')), 't:1000');
  assert.equal(echoedOutboxId(ev('Email Opened', { outboxId: 'msg_1' })), 'msg_1');
  assert.equal(echoedOutboxId(ev('WhatsApp Read', { omnisMessageId: 'msg_2' })), 'msg_2');
  assert.equal(echoedOutboxId(ev('Email Opened')), null);
});
