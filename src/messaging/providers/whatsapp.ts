/**
 * WhatsApp through Meta's Cloud API:
 *   POST {baseUrl}/{apiVersion}/{phoneNumberId}/messages   Authorization: Bearer <token>
 *   {messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: {body}}
 *   or type "template": {template: {name, language: {code}, components: [{type: "body", parameters}]}}
 *   →  {contacts: [{input, wa_id}], messages: [{id: "wamid..."}]}
 *
 * A message is a template when `content.data.template` names one (approved at Meta);
 * `content.data.language` picks its language (default `settings.defaultLanguage`) and
 * `content.data.param1`, `param2`, ... fill its body variables in order. Outside the
 * 24-hour customer service window only templates are delivered (error 131047).
 *
 * Idempotency: the Cloud API has no idempotency key; a retry after a timeout that did
 * reach Meta can deliver twice. The outbox row id travels as `biz_opaque_callback_data`,
 * which Meta echoes in status webhooks (`properties.omnisMessageId`), so a duplicate can
 * at least be recognised afterwards.
 *
 * Webhook (`X-Hub-Signature-256`, app secret): `entry[].changes[].value` for this phone
 * number id; `statuses[]` become "WhatsApp Sent" / "Delivered" / "Read" / "Failed"
 * (with `errors`), `messages[]` become "WhatsApp Message Received" with the text or the
 * button/list reply. The person is `{type: 'whatsapp', value: wa_id}`.
 */
import { z } from 'zod';
import type { FeedbackEvent, InboundRequest, OutboundMessage, Provider, ProviderDeps, ProviderFactory, SendResult } from './types.ts';
import { ProviderError } from './types.ts';
import { appSecretProof, graphCall, isObject, parseSignedMetaBody } from './meta-graph.ts';
import { DEFAULT_TIMEOUT_MS, headerValue } from './http.ts';

export { verifyChallenge } from './meta-graph.ts';

export const whatsappSettings = z.object({
  /** Default https://graph.facebook.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com'),
  /** Default v21.0. */
  apiVersion: z.string().regex(/^v\d+\.\d+$/, 'like v21.0').default('v21.0'),
  /** The business phone number's id at Meta (not the number itself). */
  phoneNumberId: z.string().regex(/^\d+$/, 'digits only'),
  /** System user or business token with whatsapp_business_messaging. */
  accessToken: z.string().min(1),
  /** Verifies webhooks and signs calls (appsecret_proof). */
  appSecret: z.string().min(1),
  verifyToken: z.string().min(1).optional(),
  /** Template language when a message names none. Default en_US. */
  defaultLanguage: z.string().min(2).default('en_US'),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
});
export type WhatsappSettings = z.infer<typeof whatsappSettings>;

function templateParams(data: Record<string, string>): { type: 'text'; text: string }[] {
  const params: { type: 'text'; text: string }[] = [];
  for (let i = 1; data[`param${i}`] !== undefined; i++) params.push({ type: 'text', text: data[`param${i}`] });
  return params;
}

export function whatsappBody(message: OutboundMessage, settings: WhatsappSettings): Record<string, unknown> {
  const to = (message.to.whatsapp ?? message.to.phone ?? '').replace(/^\+/, '');
  if (!/^\d{6,15}$/.test(to)) throw new ProviderError('recipient has no WhatsApp number', false, { code: 'no_recipient' });
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to, biz_opaque_callback_data: message.id };
  const data = message.content.data ?? {};
  if (data.template) {
    const params = templateParams(data);
    return {
      ...base, type: 'template',
      template: {
        name: data.template,
        language: { code: data.language ?? settings.defaultLanguage },
        ...(params.length ? { components: [{ type: 'body', parameters: params }] } : {}),
      },
    };
  }
  const body = message.content.body ?? message.content.text;
  if (!body) throw new ProviderError('WhatsApp message has neither text nor template', false, { code: 'no_content' });
  return { ...base, type: 'text', text: { body, preview_url: /https?:\/\//.test(body) } };
}

const STATUS_EVENTS: Record<string, string> = {
  sent: 'WhatsApp Sent', delivered: 'WhatsApp Delivered', read: 'WhatsApp Read', failed: 'WhatsApp Failed',
};

const seconds = (v: unknown, fallback: number) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) * 1000 : fallback);

export function parseWhatsappWebhook(req: InboundRequest, settings: Pick<WhatsappSettings, 'appSecret' | 'phoneNumberId'>, now: () => number = Date.now): FeedbackEvent[] {
  const body = parseSignedMetaBody(req.rawBody, headerValue(req.headers, 'x-hub-signature-256'), settings.appSecret);
  if (body.object !== 'whatsapp_business_account' || !Array.isArray(body.entry)) return [];
  const events: FeedbackEvent[] = [];
  for (const entry of body.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      if (!isObject(change) || change.field !== 'messages' || !isObject(change.value)) continue;
      const value = change.value;
      // One WABA can hold several numbers; each Omnis channel reads only its own.
      if (isObject(value.metadata) && value.metadata.phone_number_id !== settings.phoneNumberId) continue;
      if (Array.isArray(value.statuses)) for (const s of value.statuses) if (isObject(s)) events.push(...statusEvent(s, now));
      if (Array.isArray(value.messages)) {
        const contacts = Array.isArray(value.contacts) ? value.contacts.filter(isObject) : [];
        for (const m of value.messages) if (isObject(m)) events.push(inboundEvent(m, contacts, now));
      }
    }
  }
  return events;
}

function statusEvent(s: Record<string, unknown>, now: () => number): FeedbackEvent[] {
  const event = typeof s.status === 'string' ? STATUS_EVENTS[s.status] : undefined;
  if (!event || typeof s.id !== 'string') return [];
  const properties: Record<string, unknown> = { status: s.status };
  if (typeof s.biz_opaque_callback_data === 'string') properties.omnisMessageId = s.biz_opaque_callback_data;
  if (Array.isArray(s.errors)) properties.errors = s.errors;
  if (isObject(s.pricing)) properties.pricingCategory = s.pricing.category;
  return [{
    event, channel: 'whatsapp', providerMessageId: s.id, timestamp: seconds(s.timestamp, now()), properties,
    ...(typeof s.recipient_id === 'string' ? { identifier: { type: 'whatsapp', value: s.recipient_id } } : {}),
  }];
}

function inboundEvent(m: Record<string, unknown>, contacts: Record<string, unknown>[], now: () => number): FeedbackEvent {
  const from = typeof m.from === 'string' ? m.from : '';
  const properties: Record<string, unknown> = { messageId: m.id, type: m.type };
  if (isObject(m.text)) properties.text = m.text.body;
  if (isObject(m.button)) { properties.text = m.button.text; properties.payload = m.button.payload; }
  if (isObject(m.interactive)) {
    const reply = isObject(m.interactive.button_reply) ? m.interactive.button_reply : isObject(m.interactive.list_reply) ? m.interactive.list_reply : undefined;
    if (reply) { properties.text = reply.title; properties.payload = reply.id; }
  }
  if (isObject(m.context) && typeof m.context.id === 'string') properties.replyTo = m.context.id;
  const contact = contacts.find(c => c.wa_id === from);
  if (contact && isObject(contact.profile)) properties.profileName = contact.profile.name;
  return { event: 'WhatsApp Message Received', channel: 'whatsapp', identifier: { type: 'whatsapp', value: from }, timestamp: seconds(m.timestamp, now()), properties };
}

export function createWhatsappProvider(settings: WhatsappSettings, deps: ProviderDeps = {}): Provider {
  const now = deps.now ?? Date.now;
  return {
    name: 'whatsapp',
    channel: 'whatsapp',
    async send(message: OutboundMessage): Promise<SendResult> {
      const res = await graphCall({
        baseUrl: settings.baseUrl, apiVersion: settings.apiVersion, path: `${settings.phoneNumberId}/messages`, method: 'POST',
        headers: { authorization: `Bearer ${settings.accessToken}` },
        query: { appsecret_proof: appSecretProof(settings.accessToken, settings.appSecret) },
        json: whatsappBody(message, settings), timeoutMs: settings.timeoutMs, fetch: deps.fetch, now,
      });
      const first = Array.isArray(res.messages) ? res.messages[0] : undefined;
      if (!isObject(first) || typeof first.id !== 'string') throw new ProviderError('Cloud API answered without messages[0].id', false, { code: 'bad_response' });
      return { providerMessageId: first.id };
    },
    parseWebhook: req => parseWhatsappWebhook(req, settings, now),
  };
}

export const whatsappProvider: ProviderFactory<WhatsappSettings> = {
  name: 'whatsapp',
  channel: 'whatsapp',
  settings: whatsappSettings,
  secretFields: ['accessToken', 'appSecret', 'verifyToken'],
  create: (settings, deps) => createWhatsappProvider(settings, deps),
};
