/**
 * Direct mail through Lob's Print & Mail API (https://api.lob.com, Basic auth "<apiKey>:"):
 *   POST {baseUrl}/v1/postcards  {to, from?, front, back, size, use_type, metadata, description}
 *   POST {baseUrl}/v1/letters    {to, from, file, color, use_type, metadata, description}
 *   with `Idempotency-Key: <outbox key>`: Lob answers a repeat with the first result, so a
 *   retry after a timeout never prints twice. The provider id is Lob's `id` (psc_/ltr_...).
 *
 * A message with `content.front` and `content.back` is a postcard; one with `content.html`
 * is a letter (its file). Addresses use Lob's fields: name, address_line1, address_line2,
 * address_city, address_state, address_zip, address_country.
 *
 * Webhooks: `Lob-Signature` is the hex HMAC-SHA256 of "<Lob-Signature-Timestamp>.<raw body>"
 * keyed with the webhook secret; stale timestamps are refused to stop replays. Tracking
 * events become "Direct Mail Mailed", "Direct Mail In Transit" (in_transit, in_local_area,
 * processed_for_delivery, re-routed), "Direct Mail Delivered" and "Direct Mail Returned"
 * (returned_to_sender), for letters, postcards and self-mailers; other events are ignored.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { invalid } from '../../shared/index.ts';
import type { FeedbackEvent, InboundRequest, OutboundMessage, PostalAddress, Provider, ProviderDeps, ProviderFactory, SendResult } from './types.ts';
import { ProviderError } from './types.ts';
import { DEFAULT_TIMEOUT_MS, headerValue, httpRequest, statusError, type HttpResult } from './http.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function tryJson(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

const lobAddress = z.object({
  name: z.string().max(40).optional(),
  company: z.string().max(40).optional(),
  address_line1: z.string().min(1).max(64),
  address_line2: z.string().max(64).optional(),
  address_city: z.string().max(200).optional(),
  address_state: z.string().max(200).optional(),
  address_zip: z.string().max(40).optional(),
  /** ISO 3166-1 alpha-2. Default US. */
  address_country: z.string().length(2).default('US'),
});
export type LobAddress = z.infer<typeof lobAddress>;

export const lobSettings = z.object({
  /** Default https://api.lob.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.lob.com'),
  /** test_... or live_... */
  apiKey: z.string().min(1),
  /** Signs Lob's webhooks; without it webhooks are refused. */
  webhookSecret: z.string().min(1).optional(),
  /** Return address; required for letters. */
  from: lobAddress.optional(),
  /** Lob requires it on every piece. Default marketing. */
  useType: z.enum(['marketing', 'operational']).default('marketing'),
  /** Letters printed in colour. Default false. */
  color: z.boolean().default(false),
  /** Default 4x6. */
  postcardSize: z.enum(['4x6', '6x9', '6x11']).default('4x6'),
  /** Webhook timestamps further than this from now are refused. Default 300 s. */
  signatureToleranceSec: z.number().int().positive().default(300),
  /** Default 10 s. */
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
});
export type LobSettings = z.infer<typeof lobSettings>;

export function lobTo(message: OutboundMessage): LobAddress {
  const a: PostalAddress | undefined = message.to.address;
  if (!a) throw new ProviderError('recipient has no postal address', false, { code: 'no_recipient' });
  const out: LobAddress = { address_line1: a.line1, address_city: a.city, address_zip: a.postalCode, address_country: a.country.toUpperCase() };
  const name = a.name ?? message.to.name;
  if (name) out.name = name.slice(0, 40);
  if (a.line2) out.address_line2 = a.line2;
  if (a.state) out.address_state = a.state;
  return out;
}

/** Lob metadata: at most 20 keys, keys ≤ 40 and values ≤ 500 characters, no `"` or `\`. */
export function lobMetadata(message: OutboundMessage): Record<string, string> {
  const clean = (s: string, max: number) => s.replace(/["\\]/g, '').slice(0, max);
  const out: Record<string, string> = { omnis_message_id: clean(message.id, 500) };
  for (const [k, v] of Object.entries(message.metadata ?? {})) {
    if (Object.keys(out).length >= 20) break;
    const key = clean(k, 40);
    if (key && !(key in out)) out[key] = clean(v, 500);
  }
  return out;
}

function lobError(res: HttpResult, now: number): ProviderError {
  const base = statusError('lob', res, () => now);
  const body = tryJson(res.text);
  const e = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!e) return base;
  const opts = { ...base.opts, ...(typeof e.code === 'string' ? { code: e.code } : {}) };
  return new ProviderError(`lob: HTTP ${res.status} ${typeof e.message === 'string' ? e.message : ''}`.trim(), base.retryable, opts);
}

const TRANSIT = new Set(['in_transit', 'in_local_area', 'processed_for_delivery', 're-routed']);
const RESOURCES = new Set(['letter', 'postcard', 'self_mailer']);

function eventName(type: string): { event: string; status: string } | undefined {
  const parts = type.split('.');
  // "letter.return_envelope.*" tracks the reply envelope, not the piece that was sent.
  if (parts.length < 2 || !RESOURCES.has(parts[0]) || parts.includes('return_envelope')) return undefined;
  const status = parts[parts.length - 1];
  if (status === 'mailed') return { event: 'Direct Mail Mailed', status };
  if (status === 'delivered') return { event: 'Direct Mail Delivered', status };
  if (status === 'returned_to_sender') return { event: 'Direct Mail Returned', status };
  if (TRANSIT.has(status)) return { event: 'Direct Mail In Transit', status };
  return undefined;
}

export function lobSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

export function parseLobWebhook(req: InboundRequest, secret: string | undefined, toleranceSec: number, now: number): FeedbackEvent[] {
  if (!secret) throw new ProviderError('Lob webhooks need settings.webhookSecret', false, { status: 401, code: 'no_webhook_secret' });
  const sig = headerValue(req.headers, 'lob-signature');
  const ts = headerValue(req.headers, 'lob-signature-timestamp');
  if (!sig || !ts || !/^\d+$/.test(ts)) throw new ProviderError('missing Lob-Signature headers', false, { status: 401, code: 'bad_signature' });
  const given = Buffer.from(sig, 'hex');
  const expected = Buffer.from(lobSignature(secret, ts, req.rawBody), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ProviderError('bad Lob-Signature', false, { status: 401, code: 'bad_signature' });
  }
  // Lob's examples use epoch milliseconds; seconds are accepted too.
  const tsMs = Number(ts) > 1e11 ? Number(ts) : Number(ts) * 1000;
  if (Math.abs(now - tsMs) > toleranceSec * 1000) throw new ProviderError('stale Lob-Signature-Timestamp', false, { status: 401, code: 'stale_signature' });

  const body = tryJson(req.rawBody.toString('utf8'));
  if (!isObject(body)) throw new ProviderError('Lob webhook body is not a JSON object', false, { status: 400, code: 'bad_body' });
  const type = isObject(body.event_type) && typeof body.event_type.id === 'string' ? body.event_type.id : '';
  const mapped = eventName(type);
  const piece = isObject(body.body) ? body.body : {};
  const id = typeof piece.id === 'string' ? piece.id : typeof body.reference_id === 'string' ? body.reference_id : undefined;
  if (!mapped || !id) return [];
  const created = typeof body.date_created === 'string' ? Date.parse(body.date_created) : NaN;
  const meta = isObject(piece.metadata) ? piece.metadata : {};
  return [{
    event: mapped.event, channel: 'direct_mail', providerMessageId: id,
    timestamp: Number.isNaN(created) ? now : created,
    properties: { status: mapped.status, eventType: type, eventId: body.id, ...(typeof meta.omnis_message_id === 'string' ? { omnisMessageId: meta.omnis_message_id } : {}) },
  }];
}

export function createLobProvider(settings: LobSettings, deps: ProviderDeps = {}): Provider {
  const now = deps.now ?? Date.now;
  const auth = `Basic ${Buffer.from(`${settings.apiKey}:`).toString('base64')}`;
  return {
    name: 'lob',
    channel: 'direct_mail',
    async send(message: OutboundMessage): Promise<SendResult> {
      const { front, back, html } = message.content;
      const common = { to: lobTo(message), use_type: settings.useType, metadata: lobMetadata(message), description: `Omnis ${message.id}`.slice(0, 255) };
      let path: string;
      let payload: Record<string, unknown>;
      if (front && back) {
        path = 'postcards';
        payload = { ...common, ...(settings.from ? { from: settings.from } : {}), front, back, size: settings.postcardSize };
      } else if (html) {
        if (!settings.from) throw invalid('from', 'a return address is required to send letters');
        path = 'letters';
        payload = { ...common, from: settings.from, file: html, color: settings.color };
      } else {
        throw new ProviderError('direct mail needs content.front and content.back (postcard) or content.html (letter)', false, { code: 'no_content' });
      }
      const res = await httpRequest({
        url: `${settings.baseUrl.replace(/\/+$/, '')}/v1/${path}`, method: 'POST',
        headers: { authorization: auth, 'idempotency-key': message.idempotencyKey, accept: 'application/json' },
        json: payload, timeoutMs: settings.timeoutMs, fetch: deps.fetch, now, label: 'lob',
        classify: r => lobError(r, now()),
      });
      const body = tryJson(res.text);
      if (!isObject(body) || typeof body.id !== 'string') throw new ProviderError('lob: answer without id', false, { code: 'bad_response' });
      return { providerMessageId: body.id };
    },
    parseWebhook: req => parseLobWebhook(req, settings.webhookSecret, settings.signatureToleranceSec, now()),
  };
}

export const lobProvider: ProviderFactory<LobSettings> = {
  name: 'lob',
  channel: 'direct_mail',
  settings: lobSettings,
  secretFields: ['apiKey', 'webhookSecret'],
  create: (settings, deps) => createLobProvider(settings, deps),
};
