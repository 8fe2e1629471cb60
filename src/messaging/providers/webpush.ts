/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291).
 *
 * Tokens are the JSON subscriptions a browser's PushManager.subscribe() returns; the push
 * service is whatever `endpoint` the subscription names. The `web-push` package builds the
 * encrypted request (headers + body); it is sent with our own fetch wrapper (http.ts) so
 * timeouts and failures are classified like every other provider.
 *
 * Outcomes per subscription: 201 sent (the `Location` header is the push service's message id);
 * 404/410 not retryable with code 'expired_subscription' (the caller drops the subscription);
 * 429/5xx/timeouts retryable. Several subscriptions: see httpFanout.ts.
 *
 * Idempotency: Web Push has no idempotency key. The message carries a `Topic` derived from the
 * idempotency key, so a resend replaces the first copy if the push service still holds it
 * undelivered; a copy already delivered to the device is not recalled.
 *
 * Security: subscription endpoints come from browsers, i.e. from the public. Only https endpoints
 * are called unless `allowHttpEndpoints` is set (tests, a local push service); Omnis does not
 * otherwise restrict the host, so deployments that care about SSRF should egress through a proxy.
 *
 * Web Push has no delivery webhook: opens are reported by the service worker through the SDK.
 */
import { createHash } from 'node:crypto';
import webpush, { type PushSubscription } from 'web-push';
import { z } from 'zod';
import { fromZodIssues } from '../../shared/index.ts';
import { httpRequest, DEFAULT_TIMEOUT_MS, snippet } from './http.ts';
import { fanOut } from './httpFanout.ts';
import { ProviderError, type OutboundMessage, type Provider, type ProviderDeps, type ProviderFactory } from './types.ts';

const b64urlBytes = (n: number) => (v: string) => /^[A-Za-z0-9_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64url').length === n;

export const webPushSettings = z.object({
  /** base64url, 65-byte uncompressed P-256 point (as `web-push generate-vapid-keys` prints). */
  vapidPublicKey: z.string().refine(b64urlBytes(65), 'must be a base64url P-256 public key (65 bytes)'),
  /** Secret. base64url, 32 bytes. */
  vapidPrivateKey: z.string().refine(b64urlBytes(32), 'must be a base64url P-256 private key (32 bytes)'),
  /** Contact for the push service operator. */
  subject: z.string().regex(/^(mailto:.+@.+|https:\/\/.+)/, 'must be a mailto: address or an https: URL'),
  /** How long the push service keeps an undelivered message; default 86 400 (1 day), max 4 weeks. */
  ttlSeconds: z.number().int().min(0).max(2_419_200).default(86_400),
  /** Default 'normal'. */
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).default('normal'),
  /** Default 10 000. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
  /** Default false: only https push endpoints are called. */
  allowHttpEndpoints: z.boolean().default(false),
});
export type WebPushSettings = z.output<typeof webPushSettings>;

export const webPushProvider = {
  name: 'webpush',
  channel: 'push',
  settings: webPushSettings,
  secretFields: ['vapidPrivateKey'],
  create(input: WebPushSettings, deps: ProviderDeps): Provider {
    const parsed = webPushSettings.safeParse(input);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const s = parsed.data;
    const vapidDetails = { subject: s.subject, publicKey: s.vapidPublicKey, privateKey: s.vapidPrivateKey };
    return {
      name: 'webpush',
      channel: 'push',
      send(message: OutboundMessage) {
        const payload = JSON.stringify(pushPayload(message));
        const topic = createHash('sha256').update(message.idempotencyKey).digest('base64url').slice(0, 32);
        return fanOut(message.to.pushTokens, 'expired_subscription', async token => {
          const subscription = parseSubscription(token, s.allowHttpEndpoints);
          let details: ReturnType<typeof webpush.generateRequestDetails>;
          try {
            details = webpush.generateRequestDetails(subscription, payload, {
              vapidDetails, TTL: s.ttlSeconds, urgency: s.urgency, topic, contentEncoding: 'aes128gcm',
            });
          } catch (err) {
            throw new ProviderError(`webpush: cannot encrypt for this subscription: ${(err as Error).message}`, false, { code: 'expired_subscription' });
          }
          // fetch computes the length itself; header values must be strings.
          const headers = Object.fromEntries(Object.entries(details.headers)
            .filter(([k]) => k.toLowerCase() !== 'content-length')
            .map(([k, v]) => [k, String(v)]));
          const res = await httpRequest({
            url: details.endpoint, method: 'POST', headers, body: details.body ?? undefined,
            timeoutMs: s.timeoutMs, fetch: deps.fetch, now: deps.now, label: 'webpush',
            classify: r => r.status === 404 || r.status === 410
              ? new ProviderError(`webpush: subscription expired (HTTP ${r.status}) ${snippet(r.text)}`.trim(), false, { status: r.status, code: 'expired_subscription' })
              : undefined,
          });
          return res.headers.get('location');
        });
      },
    };
  },
} satisfies ProviderFactory<WebPushSettings>;

/** What the service worker receives; it decides how to show it. */
function pushPayload(m: OutboundMessage): Record<string, unknown> {
  const c = m.content;
  const out: Record<string, unknown> = { id: m.id, title: c.title ?? c.subject ?? '', body: c.body ?? c.text ?? '' };
  if (c.url) out.url = c.url;
  if (c.data && Object.keys(c.data).length) out.data = c.data;
  return out;
}

function parseSubscription(token: string, allowHttp: boolean): PushSubscription {
  const bad = (why: string) => new ProviderError(`webpush: malformed subscription (${why})`, false, { code: 'expired_subscription' });
  let v: unknown;
  try { v = JSON.parse(token); } catch { throw bad('not JSON'); }
  const sub = v as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
  if (typeof sub?.endpoint !== 'string' || typeof sub.keys?.p256dh !== 'string' || typeof sub.keys?.auth !== 'string') {
    throw bad('needs endpoint, keys.p256dh and keys.auth');
  }
  let url: URL;
  try { url = new URL(sub.endpoint); } catch { throw bad('endpoint is not a URL'); }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw bad('endpoint must be https');
  return { endpoint: sub.endpoint, keys: { p256dh: sub.keys.p256dh, auth: sub.keys.auth } };
}
