/**
 * Twilio messaging webhooks (form-encoded POSTs), checked with `X-Twilio-Signature`:
 * base64 HMAC-SHA1, keyed with the AuthToken, of the full URL Twilio called followed by every
 * POST parameter as name+value, sorted by name.
 *
 * The signature covers the public URL, which the server behind a proxy cannot know by itself.
 * It is read from `req.query.__url` (the API layer puts the full public URL there: scheme, host,
 * path and query string as Twilio called it), else from the `webhookUrl` setting. Like Twilio's
 * own libraries, the URL is also tried with the default port added or removed.
 *
 * - Status callbacks (`MessageSid`, `MessageStatus`): delivered → "SMS Delivered";
 *   failed/undelivered → "SMS Failed" (`errorCode` from ErrorCode); other statuses are progress,
 *   not outcomes, and are ignored.
 * - Inbound messages (`From`, `Body`): the whole body STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or
 *   QUIT (any case) → "Unsubscribed"; START or UNSTOP → "Subscribed"; anything else →
 *   "SMS Replied". These name the person by `identifier: {type: 'phone'}`: an inbound SMS has no
 *   outbound message id.
 * `properties.webhookId` is Twilio's `I-Twilio-Idempotency-Token`: it repeats on Twilio's
 * retries of the same webhook, so the caller can dedupe on it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue } from './http.ts';
import { ProviderError, type FeedbackEvent, type InboundRequest } from './types.ts';

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START = new Set(['START', 'UNSTOP']);

export function parseTwilioWebhook(
  req: InboundRequest,
  s: { authToken: string; webhookUrl?: string },
  now: () => number,
): FeedbackEvent[] {
  const params = new URLSearchParams(req.rawBody.toString('utf8'));
  const url = req.query.__url || s.webhookUrl;
  if (!url) throw new ProviderError('twilio: cannot check the webhook signature: the request URL is unknown (set webhookUrl or query.__url)', false, { status: 401, code: 'bad_signature' });
  const signature = headerValue(req.headers, 'x-twilio-signature');
  if (!signature) throw new ProviderError('twilio: webhook signature missing', false, { status: 401, code: 'bad_signature' });
  if (!urlVariants(url).some(u => safeEqual(twilioSignature(s.authToken, u, params), signature))) {
    throw new ProviderError('twilio: webhook signature does not match', false, { status: 401, code: 'bad_signature' });
  }

  const base: Record<string, unknown> = { channel: 'sms' };
  const webhookId = headerValue(req.headers, 'i-twilio-idempotency-token');
  if (webhookId) base.webhookId = webhookId;
  const sid = params.get('MessageSid') ?? params.get('SmsSid') ?? undefined;
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  const timestamp = now();

  if (status && status !== 'received') {
    if (!sid) return [];
    if (status === 'delivered') return [{ event: 'SMS Delivered', channel: 'sms', providerMessageId: sid, timestamp, properties: base }];
    if (status === 'failed' || status === 'undelivered') {
      const errorCode = params.get('ErrorCode');
      return [{ event: 'SMS Failed', channel: 'sms', providerMessageId: sid, timestamp, properties: { ...base, status, ...(errorCode ? { errorCode } : {}) } }];
    }
    return [];
  }

  const from = params.get('From');
  const body = params.get('Body');
  if (!from || body === null) return [];
  const identifier = { type: 'phone', value: from };
  const keyword = body.trim().toUpperCase();
  const props = { ...base, ...(sid ? { inboundMessageId: sid } : {}), ...(params.get('To') ? { to: params.get('To') } : {}) };
  if (STOP.has(keyword)) return [{ event: 'Unsubscribed', channel: 'sms', identifier, timestamp, properties: { ...props, keyword } }];
  if (START.has(keyword)) return [{ event: 'Subscribed', channel: 'sms', identifier, timestamp, properties: { ...props, keyword } }];
  return [{ event: 'SMS Replied', channel: 'sms', identifier, timestamp, properties: { ...props, body } }];
}

/** base64(HMAC-SHA1(authToken, url + sorted name+value pairs)). */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const pairs = [...params.entries()].sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const data = url + pairs.map(([k, v]) => k + v).join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The URL as given, and with the scheme's default port added or removed. */
function urlVariants(raw: string): string[] {
  let u: URL;
  try { u = new URL(raw); } catch { return [raw]; }
  const defaultPort = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
  const hostStart = raw.indexOf('//') + 2;
  const pathStart = raw.indexOf('/', hostStart);
  const authority = raw.slice(hostStart, pathStart < 0 ? undefined : pathStart);
  const rest = pathStart < 0 ? '' : raw.slice(pathStart);
  const head = raw.slice(0, hostStart);
  const variants = [raw];
  if (!defaultPort) return variants;
  if (authority.endsWith(`:${defaultPort}`)) variants.push(head + authority.slice(0, -defaultPort.length - 1) + rest);
  else if (!/:\d+$/.test(authority)) variants.push(`${head}${authority}:${defaultPort}${rest}`);
  return variants;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
