/**
 * Email over SMTP with nodemailer: multipart/alternative text + html, the caller's headers
 * (List-Unsubscribe, List-Unsubscribe-Post...), and a `Message-ID` derived from the idempotency
 * key: a resend after an ambiguous failure carries the same Message-ID, so the receiving side
 * (and whoever reads the bounces) can recognise it as the same message. SMTP itself has no way
 * to refuse the duplicate. The Message-ID is also the provider id (DSN bounces quote it).
 *
 * Failures: SMTP 4xx replies (421 service unavailable, 451 local error, 452 insufficient
 * storage...) are transient and retryable; 5xx (550 mailbox unavailable, 535 bad credentials...)
 * are permanent. Connection refused/reset, DNS, TLS negotiation and timeouts (`timeoutMs`
 * bounds connecting, the greeting and each read) are retryable.
 *
 * Connections are pooled (`maxConnections`, default 3) and closed by `close()`.
 * SMTP has no delivery webhook: bounces arrive later as DSN emails, which Omnis does not parse.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { fromZodIssues } from '../../shared/index.ts';
import { DEFAULT_TIMEOUT_MS } from './http.ts';
import { ProviderError, type OutboundMessage, type Provider, type ProviderDeps, type ProviderFactory } from './types.ts';

export const smtpSettings = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  /** true: TLS from the first byte (port 465). false: plain, upgraded by STARTTLS when offered. */
  secure: z.boolean(),
  user: z.string().min(1).optional(),
  /** Secret. */
  pass: z.string().optional(),
  /** Sender, "Shop <shop@example.com>" or "shop@example.com". */
  from: z.string().min(3).refine(v => /@[^@\s>]+>?\s*$/.test(v), 'must be an address, optionally with a name: "Shop <shop@example.com>"'),
  /** Refuse to send unless STARTTLS succeeds (ignored when secure). Default false. */
  requireTLS: z.boolean().default(false),
  /** Default 10 000. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
  /** Pooled connections; default 3. */
  maxConnections: z.number().int().min(1).max(50).default(3),
}).refine(s => !s.pass || s.user, { message: 'pass needs user', path: ['user'] });
export type SmtpSettings = z.output<typeof smtpSettings>;

/** Headers the provider sets itself: the caller's copy would contradict or duplicate them. */
const RESERVED = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'message-id', 'date', 'content-type', 'content-transfer-encoding', 'mime-version']);
const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'ECONNREFUSED', 'ECONNRESET', 'EPROXY']);

export const smtpProvider = {
  name: 'smtp',
  channel: 'email',
  settings: smtpSettings,
  secretFields: ['pass'],
  create(input: SmtpSettings, _deps: ProviderDeps): Provider {
    const parsed = smtpSettings.safeParse(input);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const s = parsed.data;
    const transport = nodemailer.createTransport({
      pool: true,
      maxConnections: s.maxConnections,
      host: s.host,
      port: s.port,
      secure: s.secure,
      requireTLS: s.requireTLS,
      auth: s.user ? { user: s.user, pass: s.pass ?? '' } : undefined,
      connectionTimeout: s.timeoutMs,
      greetingTimeout: s.timeoutMs,
      socketTimeout: s.timeoutMs,
    });
    const domain = senderDomain(s.from);
    return {
      name: 'smtp',
      channel: 'email',
      async send(message: OutboundMessage) {
        const mail = mailOptions(message, s.from, domain);
        try {
          const info = await transport.sendMail(mail);
          return { providerMessageId: info.messageId ?? mail.messageId };
        } catch (err) {
          throw smtpError(err);
        }
      },
      async close() { transport.close(); },
    };
  },
} satisfies ProviderFactory<SmtpSettings>;

export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

function mailOptions(m: OutboundMessage, from: string, domain: string) {
  const to = m.to.email;
  if (!to) throw new ProviderError('smtp: recipient has no email address', false, { code: 'no_recipient' });
  const { subject, html, text } = m.content;
  if (!subject) throw new ProviderError('smtp: email has no subject', false, { code: 'invalid_content' });
  if (!html && !text) throw new ProviderError('smtp: email has neither html nor text', false, { code: 'invalid_content' });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.content.headers ?? {})) {
    // A CR or LF in a header would let content inject headers of its own.
    if (!/^[!-9;-~]+$/.test(name) || /[\r\n]/.test(value)) throw new ProviderError(`smtp: invalid header ${JSON.stringify(name)}`, false, { code: 'invalid_content' });
    if (RESERVED.has(name.toLowerCase())) throw new ProviderError(`smtp: header ${name} is set by the provider`, false, { code: 'invalid_content' });
    headers[name] = value;
  }
  return {
    from,
    to: m.to.name ? { name: m.to.name, address: to } : to,
    subject,
    ...(text ? { text } : {}),
    ...(html ? { html } : {}),
    headers,
    messageId: messageIdFor(m.idempotencyKey, domain),
    // Content is data: never let it name a file or URL for nodemailer to read.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function senderDomain(from: string): string {
  const m = /@([^@\s>]+)>?\s*$/.exec(from);
  return m ? m[1].toLowerCase() : 'omnis.invalid';
}

export function smtpError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string };
  const message = `smtp: ${e?.response ?? e?.message ?? String(err)}`;
  const status = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if (status !== undefined && status >= 400 && status < 600) {
    return new ProviderError(message, status < 500, { status, ...(e.code ? { code: e.code } : {}) });
  }
  if (e?.code && RETRYABLE_CODES.has(e.code)) {
    return new ProviderError(message, true, { code: e.code === 'ETIMEDOUT' ? 'timeout' : 'network' });
  }
  return new ProviderError(message, false, e?.code ? { code: e.code } : {});
}
