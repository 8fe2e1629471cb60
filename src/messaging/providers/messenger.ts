/**
 * Facebook Messenger through the Send API:
 *   POST {baseUrl}/{apiVersion}/me/messages?access_token=<page token>&appsecret_proof=<hmac>
 *   {recipient: {id: psid}, messaging_type, tag?, message: {text}}  →  {recipient_id, message_id}
 *
 * `messaging_type` comes from settings, or per message from `metadata.messaging_type`
 * and `metadata.tag`: outside the 24-hour window after the person last wrote, only
 * MESSAGE_TAG sends with an allowed tag are delivered.
 *
 * Idempotency: the Send API has no idempotency key, so a retry after a timeout whose
 * request did reach Meta can deliver twice. The outbox's key cannot be passed on.
 *
 * Webhook: `X-Hub-Signature-256` is checked against the app secret; `entry[].messaging[]`
 * items become "Messenger Message Received" (text, quick reply payload, attachments),
 * "Messenger Postback", "Messenger Delivered" (one per mid) and "Messenger Read"
 * (watermark: everything sent before it was read). Echoes of the page's own messages
 * are skipped. Text is passed on as it is: whether "5 stars" is a rating is the journey
 * layer's call. The GET handshake is `verifyChallenge` (re-exported below).
 */
import { z } from 'zod';
import { invalid } from '../../shared/index.ts';
import type { FeedbackEvent, InboundRequest, OutboundMessage, Provider, ProviderDeps, ProviderFactory, SendResult } from './types.ts';
import { ProviderError } from './types.ts';
import { appSecretProof, graphCall, isObject, parseSignedMetaBody } from './meta-graph.ts';
import { DEFAULT_TIMEOUT_MS, headerValue } from './http.ts';

export { verifyChallenge } from './meta-graph.ts';

const MESSAGING_TYPES = ['RESPONSE', 'UPDATE', 'MESSAGE_TAG'] as const;
type MessagingType = (typeof MESSAGING_TYPES)[number];

export const messengerSettings = z.object({
  /** Default https://graph.facebook.com; tests point it at a local fake. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  /** Graph API version. Default v21.0. */
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'like v21.0').default('v21.0'),
  pageAccessToken: z.string().min(1),
  /** Signs webhooks (X-Hub-Signature-256) and sends (appsecret_proof). */
  appSecret: z.string().min(1),
  /** Token Meta echoes in the GET handshake. */
  verifyToken: z.string().min(1).optional(),
  /** Default UPDATE. */
  messagingType: z.enum(MESSAGING_TYPES).default('UPDATE'),
  /** Required when messagingType is MESSAGE_TAG: CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, ACCOUNT_UPDATE, HUMAN_AGENT. */
  tag: z.string().regex(/^[A-Z_]+$/).optional(),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
});
export type MessengerSettings = z.infer<typeof messengerSettings>;

function sendBody(message: OutboundMessage, settings: MessengerSettings): Record<string, unknown> {
  const psid = message.to.psid;
  if (!psid) throw new ProviderError('recipient has no Messenger PSID', false, { code: 'no_recipient' });
  const text = message.content.body ?? message.content.text;
  if (!text) throw new ProviderError('Messenger message has no text (content.body)', false, { code: 'no_content' });
  const type = (message.metadata?.messaging_type ?? settings.messagingType) as MessagingType;
  if (!MESSAGING_TYPES.includes(type)) throw new ProviderError(`unknown messaging_type ${type}`, false, { code: 'bad_messaging_type' });
  const tag = message.metadata?.tag ?? settings.tag;
  if (type === 'MESSAGE_TAG' && !tag) throw new ProviderError('MESSAGE_TAG sends need a tag', false, { code: 'no_tag' });
  return { recipient: { id: psid }, messaging_type: type, ...(type === 'MESSAGE_TAG' ? { tag } : {}), message: { text } };
}

export function parseMessengerWebhook(req: InboundRequest, appSecret: string): FeedbackEvent[] {
  const body = parseSignedMetaBody(req.rawBody, headerValue(req.headers, 'x-hub-signature-256'), appSecret);
  if (body.object !== 'page' || !Array.isArray(body.entry)) return [];
  const events: FeedbackEvent[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.messaging)) continue;
    for (const item of entry.messaging) {
      if (isObject(item)) events.push(...messagingEvents(item, typeof entry.id === 'string' ? entry.id : undefined));
    }
  }
  return events;
}

function messagingEvents(item: Record<string, unknown>, pageId: string | undefined): FeedbackEvent[] {
  const sender = isObject(item.sender) && typeof item.sender.id === 'string' ? item.sender.id : undefined;
  const identifier = sender ? { type: 'messenger_psid', value: sender } : undefined;
  const timestamp = typeof item.timestamp === 'number' ? item.timestamp : Date.now();
  const base = { channel: 'messenger', timestamp, ...(identifier ? { identifier } : {}) };
  const page = pageId ? { pageId } : {};
  if (isObject(item.message)) {
    const m = item.message;
    if (m.is_echo === true) return [];
    const properties: Record<string, unknown> = { ...page, mid: m.mid };
    if (typeof m.text === 'string') properties.text = m.text;
    if (isObject(m.quick_reply)) properties.quickReplyPayload = m.quick_reply.payload;
    if (Array.isArray(m.attachments)) properties.attachments = m.attachments;
    if (isObject(m.reply_to)) properties.replyTo = m.reply_to.mid;
    return [{ ...base, event: 'Messenger Message Received', properties }];
  }
  if (isObject(item.postback)) {
    const p = item.postback;
    return [{ ...base, event: 'Messenger Postback', properties: { ...page, title: p.title, payload: p.payload, mid: p.mid } }];
  }
  if (isObject(item.delivery)) {
    const d = item.delivery;
    const mids = Array.isArray(d.mids) ? d.mids.filter((x): x is string => typeof x === 'string') : [];
    const properties = { ...page, watermark: d.watermark, mids };
    // Newer deliveries may carry only a watermark; then the person, not a message, is named.
    if (!mids.length) return [{ ...base, event: 'Messenger Delivered', properties }];
    return mids.map(mid => ({ ...base, event: 'Messenger Delivered', providerMessageId: mid, properties }));
  }
  if (isObject(item.read)) {
    return [{ ...base, event: 'Messenger Read', properties: { ...page, watermark: item.read.watermark } }];
  }
  return [];
}

export function createMessengerProvider(settings: MessengerSettings, deps: ProviderDeps = {}): Provider {
  if (settings.messagingType === 'MESSAGE_TAG' && !settings.tag) throw invalid('tag', 'required when messagingType is MESSAGE_TAG');
  const now = deps.now ?? Date.now;
  return {
    name: 'messenger',
    channel: 'messenger',
    async send(message: OutboundMessage): Promise<SendResult> {
      const res = await graphCall({
        baseUrl: settings.baseUrl, apiVersion: settings.apiVersion, path: 'me/messages', method: 'POST',
        query: { access_token: settings.pageAccessToken, appsecret_proof: appSecretProof(settings.pageAccessToken, settings.appSecret) },
        json: sendBody(message, settings), timeoutMs: settings.timeoutMs, fetch: deps.fetch, now,
      });
      const id = res.message_id;
      if (typeof id !== 'string') throw new ProviderError('Send API answered without message_id', false, { code: 'bad_response' });
      return { providerMessageId: id };
    },
    parseWebhook: req => parseMessengerWebhook(req, settings.appSecret),
  };
}

export const messengerProvider: ProviderFactory<MessengerSettings> = {
  name: 'messenger',
  channel: 'messenger',
  settings: messengerSettings,
  secretFields: ['pageAccessToken', 'appSecret', 'verifyToken'],
  create: (settings, deps) => createMessengerProvider(settings, deps),
};
