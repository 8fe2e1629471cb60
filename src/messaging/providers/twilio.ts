/**
 * Twilio Programmable Messaging: `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded `To`, `From` or `MessagingServiceSid`, `Body`, `StatusCallback`, with HTTP Basic
 * auth `AccountSid:AuthToken`. Twilio answers 201 with the Message resource; its `sid` is the
 * provider id that status callbacks carry as `MessageSid`.
 *
 * Idempotency: the key is sent as `I-Twilio-Idempotency-Token`, the header Twilio uses for
 * idempotency on its own webhook requests. Whether the Messages API deduplicates creates on it is
 * not stated in Twilio's public API reference: treat it as best effort.
 *
 * Twilio error bodies `{code, message, more_info, status}` give `code`: 21610 (recipient replied
 * STOP) becomes 'unsubscribed', 21211/21614 (not a valid / not a mobile number) become
 * 'invalid_recipient', others `twilio_<code>`.
 *
 * Webhooks: see twilioWebhook.ts.
 */
import { z } from 'zod';
import { fromZodIssues } from '../../shared/index.ts';
import { httpRequest, statusError, DEFAULT_TIMEOUT_MS, type HttpResult } from './http.ts';
import { parseTwilioWebhook } from './twilioWebhook.ts';
import { ProviderError, type Provider, type ProviderDeps, type ProviderFactory } from './types.ts';

export const twilioSettings = z.object({
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be an Account SID (AC followed by 32 hex digits)'),
  /** Secret. Also the key of X-Twilio-Signature on webhooks. */
  authToken: z.string().min(1),
  /** Sender: an E.164 number or alphanumeric sender id. Give this or messagingServiceSid. */
  from: z.string().min(1).optional(),
  messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be a Messaging Service SID (MG followed by 32 hex digits)').optional(),
  /** Where Twilio posts status callbacks (this Omnis's webhook URL for the channel). */
  statusCallbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The public URL Twilio calls for webhooks, used to check signatures when the request does
   * not carry `query.__url` (see twilioWebhook.ts). */
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Default https://api.twilio.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.twilio.com'),
  /** Default 10 000. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
}).refine(s => s.from || s.messagingServiceSid, { message: 'give from or messagingServiceSid', path: ['from'] });
export type TwilioSettings = z.output<typeof twilioSettings>;

export const twilioProvider = {
  name: 'twilio',
  channel: 'sms',
  settings: twilioSettings,
  secretFields: ['authToken'],
  create(input: TwilioSettings, deps: ProviderDeps): Provider {
    const parsed = twilioSettings.safeParse(input);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const s = parsed.data;
    const now = deps.now ?? Date.now;
    const auth = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`;
    return {
      name: 'twilio',
      channel: 'sms',
      async send(message) {
        const to = message.to.phone;
        if (!to) throw new ProviderError('twilio: recipient has no phone number', false, { code: 'no_recipient' });
        const text = message.content.body ?? message.content.text;
        if (!text) throw new ProviderError('twilio: message has no body', false, { code: 'invalid_content' });
        const form = new URLSearchParams({ To: to, Body: text });
        if (s.messagingServiceSid) form.set('MessagingServiceSid', s.messagingServiceSid);
        else form.set('From', s.from!);
        if (s.statusCallbackUrl) form.set('StatusCallback', s.statusCallbackUrl);
        const res = await httpRequest({
          url: `${s.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${s.accountSid}/Messages.json`,
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/x-www-form-urlencoded',
            'i-twilio-idempotency-token': message.idempotencyKey,
          },
          body: form.toString(),
          timeoutMs: s.timeoutMs, fetch: deps.fetch, now, label: 'twilio',
          classify: res => twilioError(res, now),
        });
        const { sid } = res.json<{ sid?: string }>();
        return { providerMessageId: sid ?? null };
      },
      parseWebhook: req => parseTwilioWebhook(req, s, now),
    };
  },
} satisfies ProviderFactory<TwilioSettings>;

const CODES: Record<number, string> = { 21610: 'unsubscribed', 21211: 'invalid_recipient', 21614: 'invalid_recipient' };

function twilioError(res: HttpResult, now: () => number): ProviderError | undefined {
  let body: { code?: number; message?: string } = {};
  try { body = JSON.parse(res.text) as typeof body; } catch { return undefined; }
  if (typeof body.code !== 'number') return undefined;
  const base = statusError('twilio', res, now);
  return new ProviderError(`twilio: HTTP ${res.status} error ${body.code}: ${body.message ?? ''}`.trim(), base.retryable, {
    ...base.opts, code: CODES[body.code] ?? `twilio_${body.code}`,
  });
}
