/**
 * SendGrid v3 Mail Send: `POST {baseUrl}/v3/mail/send` with `Authorization: Bearer <apiKey>`.
 * SendGrid answers 202 with an empty body; its id for the message is the `X-Message-Id` header,
 * which prefixes the `sg_message_id` of every Event Webhook event about it.
 *
 * Idempotency: SendGrid has no idempotency header. The key travels in `custom_args`
 * (`omnis_idempotency_key`, with `omnis_outbox_id`), which SendGrid echoes in every webhook
 * event, so a duplicate caused by a retry after an ambiguous failure (timeout, reset) can at
 * least be recognised afterwards; it cannot be prevented. SendGrid stores custom_args as
 * non-PII: metadata given to this provider must not hold personal data.
 *
 * Event Webhook: see sendgridWebhook.ts.
 */
import { z } from 'zod';
import { fromZodIssues } from '../../shared/index.ts';
import { httpRequest, DEFAULT_TIMEOUT_MS } from './http.ts';
import { parseSendgridWebhook, publicKeyFromSetting } from './sendgridWebhook.ts';
import { ProviderError, type OutboundMessage, type Provider, type ProviderDeps, type ProviderFactory } from './types.ts';

export const sendgridSettings = z.object({
  /** Secret. */
  apiKey: z.string().min(1),
  /** Sender address; must be a verified sender or domain at SendGrid. */
  from: z.email(),
  fromName: z.string().optional(),
  replyTo: z.email().optional(),
  /** Default https://api.sendgrid.com (https://api.eu.sendgrid.com for EU subusers). */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.sendgrid.com'),
  /** Default 10 000. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
  /** The Signed Event Webhook verification key (base64 DER or PEM, ECDSA P-256). */
  webhookPublicKey: z.string().optional().refine(v => v === undefined || publicKeyFromSetting(v) !== null, 'must be the base64 (or PEM) ECDSA public key SendGrid shows for the Signed Event Webhook'),
  /** Default false: without a webhookPublicKey, webhooks are refused unless this is set. */
  allowUnsignedWebhooks: z.boolean().default(false),
});
export type SendgridSettings = z.output<typeof sendgridSettings>;

export const sendgridProvider = {
  name: 'sendgrid',
  channel: 'email',
  settings: sendgridSettings,
  secretFields: ['apiKey'],
  create(input: SendgridSettings, deps: ProviderDeps): Provider {
    const parsed = sendgridSettings.safeParse(input);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const s = parsed.data;
    const now = deps.now ?? Date.now;
    return {
      name: 'sendgrid',
      channel: 'email',
      async send(message) {
        const res = await httpRequest({
          url: `${s.baseUrl.replace(/\/+$/, '')}/v3/mail/send`,
          method: 'POST',
          headers: { authorization: `Bearer ${s.apiKey}` },
          json: mailSendBody(message, s),
          timeoutMs: s.timeoutMs, fetch: deps.fetch, now, label: 'sendgrid',
        });
        return { providerMessageId: res.headers.get('x-message-id') };
      },
      parseWebhook: req => parseSendgridWebhook(req, s, now),
    };
  },
} satisfies ProviderFactory<SendgridSettings>;

export function mailSendBody(m: OutboundMessage, s: Pick<SendgridSettings, 'from' | 'fromName' | 'replyTo'>): Record<string, unknown> {
  const to = m.to.email;
  if (!to) throw new ProviderError('sendgrid: recipient has no email address', false, { code: 'no_recipient' });
  const { subject, text, html, headers } = m.content;
  if (!subject) throw new ProviderError('sendgrid: email has no subject', false, { code: 'invalid_content' });
  // SendGrid requires text/plain before text/html.
  const content = [
    ...(text ? [{ type: 'text/plain', value: text }] : []),
    ...(html ? [{ type: 'text/html', value: html }] : []),
  ];
  if (!content.length) throw new ProviderError('sendgrid: email has neither html nor text', false, { code: 'invalid_content' });
  const body: Record<string, unknown> = {
    personalizations: [{ to: [{ email: to, ...(m.to.name ? { name: m.to.name } : {}) }] }],
    from: { email: s.from, ...(s.fromName ? { name: s.fromName } : {}) },
    subject,
    content,
    custom_args: { ...m.metadata, omnis_outbox_id: m.id, omnis_idempotency_key: m.idempotencyKey },
  };
  if (s.replyTo) body.reply_to = { email: s.replyTo };
  if (headers && Object.keys(headers).length) body.headers = headers;
  return body;
}
