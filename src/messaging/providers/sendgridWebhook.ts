/**
 * SendGrid Event Webhook: a JSON array of events, optionally signed (Signed Event Webhook):
 * `X-Twilio-Email-Event-Webhook-Signature` is a base64 DER ECDSA P-256/SHA-256 signature of
 * the `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, verified with the
 * public key SendGrid shows in its settings. Unsigned webhooks are refused unless the settings
 * allow them, because a forged "unsubscribe" or "bounce" would silence a customer.
 *
 * Mapping: delivered → Email Delivered; open → Email Opened; click → Email Link Clicked;
 * bounce → Email Bounced (`bounceType` hard for type "bounce", soft for "blocked");
 * dropped → Email Dropped (SendGrid never tried: suppressed or invalid address; `reason` says
 * which); spamreport → Email Marked as Spam; unsubscribe and group_unsubscribe → Unsubscribed;
 * group_resubscribe → Subscribed. processed and deferred are ignored (not outcomes).
 * `properties.eventId` is sg_event_id (SendGrid may deliver an event more than once: dedupe on it).
 * `properties.outboxId` is the custom arg set at send, the surest way back to the message.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { headerValue } from './http.ts';
import { ProviderError, type FeedbackEvent, type InboundRequest } from './types.ts';

interface SendgridEvent {
  event?: string;
  email?: string;
  timestamp?: number;
  sg_event_id?: string;
  sg_message_id?: string;
  type?: string;
  reason?: string;
  status?: string;
  url?: string;
  sg_machine_open?: boolean;
  useragent?: string;
  asm_group_id?: number;
  omnis_outbox_id?: string;
}

const NAMES: Record<string, string> = {
  delivered: 'Email Delivered',
  open: 'Email Opened',
  click: 'Email Link Clicked',
  bounce: 'Email Bounced',
  dropped: 'Email Dropped',
  spamreport: 'Email Marked as Spam',
  unsubscribe: 'Unsubscribed',
  group_unsubscribe: 'Unsubscribed',
  group_resubscribe: 'Subscribed',
};

export function parseSendgridWebhook(
  req: InboundRequest,
  s: { webhookPublicKey?: string; allowUnsignedWebhooks: boolean },
  now: () => number,
): FeedbackEvent[] {
  if (s.webhookPublicKey) verifySignature(req, s.webhookPublicKey);
  else if (!s.allowUnsignedWebhooks) {
    throw new ProviderError('sendgrid: webhook refused: set webhookPublicKey (Signed Event Webhook) or allowUnsignedWebhooks', false, { status: 401, code: 'unsigned_webhook' });
  }
  let events: unknown;
  try { events = JSON.parse(req.rawBody.toString('utf8')); } catch {
    throw new ProviderError('sendgrid: webhook body is not JSON', false, { status: 400, code: 'bad_payload' });
  }
  if (!Array.isArray(events)) throw new ProviderError('sendgrid: webhook body is not an array of events', false, { status: 400, code: 'bad_payload' });
  const out: FeedbackEvent[] = [];
  for (const e of events as SendgridEvent[]) {
    const name = e && typeof e === 'object' && e.event ? NAMES[e.event] : undefined;
    if (!name) continue;
    const properties: Record<string, unknown> = { channel: 'email' };
    if (e.sg_event_id) properties.eventId = e.sg_event_id;
    if (e.omnis_outbox_id) properties.outboxId = e.omnis_outbox_id;
    if (e.event === 'bounce') {
      properties.bounceType = e.type === 'blocked' ? 'soft' : 'hard';
      if (e.reason) properties.reason = e.reason;
      if (e.status) properties.status = e.status;
    }
    if (e.event === 'dropped' && e.reason) properties.reason = e.reason;
    if (e.event === 'click' && e.url) properties.url = e.url;
    if (e.event === 'open' || e.event === 'click') {
      if (e.sg_machine_open !== undefined) properties.machineOpen = e.sg_machine_open;
      if (e.useragent) properties.userAgent = e.useragent;
    }
    if (e.asm_group_id !== undefined) properties.groupId = e.asm_group_id;
    out.push({
      event: name,
      channel: 'email',
      ...(e.sg_message_id ? { providerMessageId: sendMessageId(e.sg_message_id) } : {}),
      ...(e.email ? { identifier: { type: 'email', value: e.email } } : {}),
      timestamp: typeof e.timestamp === 'number' ? e.timestamp * 1000 : now(),
      properties,
    });
  }
  return out;
}

/**
 * sg_message_id is the send's X-Message-Id plus a suffix naming the SendGrid server:
 * "<id>.filterdrecv-…" (old ids contain dots themselves) or "<id>.recvd-…" (new ids do not).
 */
export function sendMessageId(sgMessageId: string): string {
  const filter = sgMessageId.indexOf('.filter');
  if (filter > 0) return sgMessageId.slice(0, filter);
  const dot = sgMessageId.indexOf('.');
  return dot > 0 ? sgMessageId.slice(0, dot) : sgMessageId;
}

function verifySignature(req: InboundRequest, publicKey: string): void {
  const signature = headerValue(req.headers, 'x-twilio-email-event-webhook-signature');
  const timestamp = headerValue(req.headers, 'x-twilio-email-event-webhook-timestamp');
  const bad = (why: string) => new ProviderError(`sendgrid: webhook signature ${why}`, false, { status: 401, code: 'bad_signature' });
  if (!signature || !timestamp) throw bad('missing');
  const key = publicKeyFromSetting(publicKey);
  if (!key) throw bad('cannot be checked: webhookPublicKey is not an EC public key');
  let ok = false;
  try {
    ok = verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), req.rawBody]), key, Buffer.from(signature, 'base64'));
  } catch { /* a malformed signature is just a wrong one */ }
  if (!ok) throw bad('does not match');
}

/** SendGrid shows the key as base64 of its DER (SPKI) encoding; PEM is accepted too. */
export function publicKeyFromSetting(value: string): KeyObject | null {
  try {
    const key = value.includes('BEGIN PUBLIC KEY')
      ? createPublicKey(value)
      : createPublicKey({ key: Buffer.from(value.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ec' ? key : null;
  } catch {
    return null;
  }
}
