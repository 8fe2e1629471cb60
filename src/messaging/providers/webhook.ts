/**
 * The generic outbound webhook channel: POSTs a message to a URL a marketer configured.
 *
 * Request
 * - URL: the step's `content.url`, else `settings.url`; http or https only.
 * - Body: `content.body` as rendered by the template when there is one (sent as JSON when
 *   it parses as JSON, else text/plain), otherwise a JSON envelope
 *   `{id, idempotencyKey, channel, to, content, metadata}`.
 * - Headers: `Idempotency-Key` (stable across retries of one message: receivers should
 *   drop repeats), `X-Omnis-Signature`, plus `settings.headers` and `content.headers`
 *   (e.g. Authorization), which cannot override the headers above.
 *
 * Signature, for receivers to verify (see `verifySignature`):
 *   X-Omnis-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * Compute the HMAC over the exact bytes received, compare in constant time, and reject
 * a `t` more than 5 minutes from your clock so a captured request cannot be replayed.
 * Several v1 entries may appear (secret rotation): any match is enough.
 *
 * Safety: redirects are not followed (a 3xx is a non-retryable error); private, loopback,
 * link-local and unique-local destinations are refused unless `allowPrivate` is set,
 * checking every resolved address and connecting to the checked one (see ssrf.ts).
 * That is why this provider sends with node:http(s) and its `lookup` hook rather than
 * fetch: `deps.fetch` is not used here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { OutboundMessage, Provider, ProviderDeps, ProviderFactory, SendResult } from './types.ts';
import { ProviderError } from './types.ts';
import { checkHost, guardedLookup, type Resolver } from './ssrf.ts';
import { DEFAULT_TIMEOUT_MS, statusError } from './http.ts';

export const webhookSettings = z.object({
  /** Default destination; a journey step may give its own in `content.url`. */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** HMAC key for X-Omnis-Signature. */
  secret: z.string().min(16, 'use at least 16 characters'),
  /** Whole-request deadline in ms. Default 10 s. */
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
  /** Allow private/loopback destinations (tests, on-premise receivers). Default false. */
  allowPrivate: z.boolean().default(false),
  /** Extra headers on every request. Default none. */
  headers: z.record(z.string(), z.string()).default({}),
});
export type WebhookSettings = z.infer<typeof webhookSettings>;

const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'idempotency-key', 'x-omnis-signature']);
const SIGNATURE_TOLERANCE_SEC = 300;

export function signatureHeader(secret: string, body: string | Buffer, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Receiver-side check of X-Omnis-Signature over the raw body; false when stale or wrong. */
export function verifySignature(secret: string, header: string | undefined, rawBody: string | Buffer,
  opts: { now?: number; toleranceSec?: number } = {}): boolean {
  if (!header) return false;
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && /^\d+$/.test(v ?? '')) t = Number(v);
    if (k === 'v1' && v) sigs.push(v);
  }
  if (t === undefined || !sigs.length) return false;
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(nowSec - t) > (opts.toleranceSec ?? SIGNATURE_TOLERANCE_SEC)) return false;
  const expected = Buffer.from(signatureHeader(secret, rawBody, t).split('v1=')[1], 'hex');
  return sigs.some(s => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

function bodyOf(message: OutboundMessage): { body: string; contentType: string } {
  const raw = message.content.body;
  if (raw !== undefined) {
    try { JSON.parse(raw); return { body: raw, contentType: 'application/json' }; } catch { return { body: raw, contentType: 'text/plain; charset=utf-8' }; }
  }
  const { id, idempotencyKey, channel, to, content, metadata } = message;
  return { body: JSON.stringify({ id, idempotencyKey, channel, to, content, metadata: metadata ?? {} }), contentType: 'application/json' };
}

function extraHeaders(...sources: (Record<string, string> | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src ?? {})) if (!RESERVED.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}

export interface WebhookDeps extends ProviderDeps {
  /** DNS for the SSRF check; injected by tests. */
  resolve?: Resolver;
}

export function createWebhookProvider(settings: WebhookSettings, deps: WebhookDeps = {}): Provider {
  const now = deps.now ?? Date.now;
  const ssrf = { allowPrivate: settings.allowPrivate, resolve: deps.resolve };

  async function send(message: OutboundMessage): Promise<SendResult> {
    const target = message.content.url ?? settings.url;
    if (!target) throw new ProviderError('no webhook URL: set settings.url or the step URL', false, { code: 'no_url' });
    let url: URL;
    try { url = new URL(target); } catch { throw new ProviderError(`invalid webhook URL`, false, { code: 'bad_url' }); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProviderError(`webhook URL must be http or https, not ${url.protocol}`, false, { code: 'bad_url' });
    if (url.username || url.password) throw new ProviderError('credentials in the webhook URL are not allowed; use headers', false, { code: 'bad_url' });
    // Node does not call `lookup` for IP literals, so they are checked here.
    if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) await checkHost(url.hostname, ssrf);

    const { body, contentType } = bodyOf(message);
    const headers: Record<string, string> = {
      'user-agent': 'Omnis-Webhook/1',
      ...extraHeaders(settings.headers, message.content.headers),
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      'idempotency-key': message.idempotencyKey,
      'x-omnis-signature': signatureHeader(settings.secret, body, Math.floor(now() / 1000)),
    };
    const res = await post(url, headers, body);
    if (res.status >= 200 && res.status < 300) return { providerMessageId: null };
    const h = new Headers();
    for (const name of ['retry-after', 'location']) {
      const v = res.headers[name];
      if (typeof v === 'string') h.set(name, v);
    }
    throw statusError(`webhook ${url.host}`, { status: res.status, headers: h, text: '', json: () => undefined as never }, now);
  }

  function post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; headers: IncomingMessage['headers'] }> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const req = request(url, { method: 'POST', headers, lookup: guardedLookup(ssrf) }, res => {
        // The body is drained, not kept: the channel only needs the status.
        res.on('data', () => undefined);
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, headers: res.headers }); });
        res.on('error', fail);
        res.on('close', () => { if (!res.complete) fail(new Error('response aborted')); });
      });
      const timer = setTimeout(() => { timedOut = true; req.destroy(); }, settings.timeoutMs);
      function fail(err: Error) {
        clearTimeout(timer);
        if (err instanceof ProviderError) return reject(err);
        if (timedOut) return reject(new ProviderError(`webhook timed out after ${settings.timeoutMs} ms`, true, { code: 'timeout' }));
        reject(new ProviderError(`webhook connection failed: ${err.message}`, true, { code: 'network' }));
      }
      req.on('error', fail);
      req.end(body);
    });
  }

  return { name: 'webhook', channel: 'webhook', send };
}

export const webhookProvider: ProviderFactory<WebhookSettings> = {
  name: 'webhook',
  channel: 'webhook',
  settings: webhookSettings,
  secretFields: ['secret'],
  create: (settings, deps) => createWebhookProvider(settings, deps),
};
