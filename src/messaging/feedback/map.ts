/**
 * What a provider's FeedbackEvent means for the outbox and the log: the status it moves a
 * message to, the event's properties, the identifiers of a person named only by an
 * identifier, and the key that makes the fact unique.
 */
import type { JsonObject } from '../../shared/index.ts';
import type { FeedbackEvent } from '../providers/index.ts';

/** Events that prove the message arrived. */
const DELIVERED = new Set(['Email Delivered', 'SMS Delivered', 'Messenger Delivered', 'WhatsApp Delivered', 'Push Delivered', 'Direct Mail Delivered']);
/** Events that prove it never will: bounces (hard and soft), drops, carrier failures, returned mail. */
const FAILED = new Set(['Email Bounced', 'Email Dropped', 'SMS Failed', 'WhatsApp Failed', 'Push Failed', 'Direct Mail Returned']);

export function statusOf(e: FeedbackEvent): { status: 'delivered' | 'failed'; reason: string | null } | null {
  if (DELIVERED.has(e.event)) return { status: 'delivered', reason: null };
  if (!FAILED.has(e.event)) return null;
  const p = e.properties;
  const detail = [p.bounceType && `${String(p.bounceType)} bounce`, p.reason, p.errorCode && `error ${String(p.errorCode)}`, p.status]
    .filter((x): x is string => typeof x === 'string' && x.length > 0);
  return { status: 'failed', reason: `${e.event}${detail.length ? `: ${detail.join(', ')}` : ''}`.slice(0, 500) };
}

/** The provider's properties with the channel always set ("Unsubscribed" needs it to become consent). */
export function propertiesOf(e: FeedbackEvent, channel: string): JsonObject {
  const p = { ...(JSON.parse(JSON.stringify(e.properties ?? {})) as JsonObject) };
  if (typeof p.channel !== 'string' || !p.channel) p.channel = channel;
  if (e.identifier && p.recipient === undefined) p.recipient = e.identifier.value;
  return p;
}

/**
 * Identifiers for the pipeline to resolve. A WhatsApp id is the person's number in digits,
 * so it is given as a phone too: the reply joins the profile that number belongs to.
 */
export function identifiersOf(id: { type: string; value: string }): { type: string; id: string }[] {
  const out = [{ type: id.type, id: id.value }];
  if (id.type === 'whatsapp' && /^\d{6,15}$/.test(id.value)) out.push({ type: 'phone', id: `+${id.value}` });
  return out;
}

/**
 * What makes a fact unique, for the deterministic event id: the provider's own event id
 * where it has one (SendGrid sg_event_id, Twilio's idempotency token, a Messenger mid, a
 * WhatsApp inbound id), else the fact's time.
 */
export function uniqueKey(e: FeedbackEvent): string {
  const p = e.properties ?? {};
  for (const k of ['eventId', 'webhookId', 'inboundMessageId', 'mid', 'messageId']) {
    if (typeof p[k] === 'string' && p[k]) return `${k}:${p[k] as string}`;
  }
  return `t:${e.timestamp}`;
}

/** The outbox ids some providers echo back (SendGrid custom_args, WhatsApp biz_opaque_callback_data). */
export function echoedOutboxId(e: FeedbackEvent): string | null {
  const p = e.properties ?? {};
  const v = p.outboxId ?? p.omnisMessageId;
  return typeof v === 'string' && v ? v : null;
}
