/**
 * Provider webhooks as the providers send them, signed as they sign them: for tests of the
 * webhook path (service and HTTP). Tests only; not exported by the module.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { hubSignature } from '../providers/meta-graph.ts';
import { twilioSignature } from '../providers/twilioWebhook.ts';

export const TWILIO_SID = `AC${'b2'.repeat(16)}`;
export const TWILIO_TOKEN = 'twilio-auth-token-for-tests-42';
export const META_SECRET = 'meta-app-secret-for-tests';

export interface Signed { headers: Record<string, string>; rawBody: Buffer; body: string }

/** A SendGrid Signed Event Webhook key pair; `publicKey` is what the settings take (base64 DER). */
export function sendgridKeys(): { publicKey: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), privateKey };
}

export function sendgridWebhook(events: object[], privateKey: KeyObject, timestamp = '1772442000'): Signed {
  const body = JSON.stringify(events);
  return {
    body, rawBody: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-timestamp': timestamp,
      'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64'),
    },
  };
}

/** A Twilio form POST signed for the full URL Twilio called. */
export function twilioWebhook(fields: Record<string, string>, url: string, token = TWILIO_TOKEN, idempotencyToken?: string): Signed {
  const params = new URLSearchParams(fields);
  const body = params.toString();
  return {
    body, rawBody: Buffer.from(body),
    headers: {
      'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params),
      ...(idempotencyToken ? { 'i-twilio-idempotency-token': idempotencyToken } : {}),
    },
  };
}

/** A Meta (Messenger / WhatsApp) webhook with X-Hub-Signature-256. */
export function metaWebhook(payload: object, appSecret = META_SECRET): Signed {
  const body = JSON.stringify(payload);
  return { body, rawBody: Buffer.from(body), headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(body, appSecret) } };
}

export function messengerText(psid: string, text: string, mid: string, timestamp = 1772442000000): object {
  return { object: 'page', entry: [{ id: 'PAGE1', time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: 'PAGE1' }, timestamp, message: { mid, text } }] }] };
}
