/**
 * Firebase Cloud Messaging, HTTP v1: `POST {baseUrl}/v1/projects/{projectId}/messages:send`
 * with `{message: {token, notification: {title, body}, data, webpush?}}` and a bearer token from
 * the service account (fcmAuth.ts). One request per registration token; several tokens are
 * folded by httpFanout.ts. The response's `name` ("projects/p/messages/id") is the provider id.
 *
 * Settings come from the service-account JSON: project_id → projectId, client_email →
 * clientEmail, private_key → privateKey (secret).
 *
 * Errors (body `error.details[].errorCode` of type FcmError, else `error.status`):
 * UNREGISTERED or 404 → not retryable, code 'expired_token' (the caller drops the token);
 * QUOTA_EXCEEDED/429, UNAVAILABLE/503, INTERNAL/500 → retryable (Retry-After honoured);
 * a 401 refreshes the access token and tries once more; other 4xx are not retryable with the
 * FCM code lower-cased (e.g. 'invalid_argument', 'sender_id_mismatch').
 *
 * Idempotency: FCM has no idempotency key; a retry after an ambiguous failure (timeout) may show
 * the notification twice. `data.omnis_message_id` carries the outbox id so the app can drop a
 * duplicate and report "Push Opened" against the right message.
 *
 * FCM has no delivery webhook: opens are reported by the app through the SDK.
 */
import { z } from 'zod';
import { fromZodIssues } from '../../shared/index.ts';
import { httpRequest, statusError, DEFAULT_TIMEOUT_MS, type HttpResult } from './http.ts';
import { fanOut } from './httpFanout.ts';
import { parsePrivateKey, tokenSource } from './fcmAuth.ts';
import { ProviderError, type OutboundMessage, type Provider, type ProviderDeps, type ProviderFactory } from './types.ts';

export const fcmSettings = z.object({
  projectId: z.string().regex(/^[a-z0-9-]+$/, 'must be a Firebase project id'),
  clientEmail: z.email(),
  /** Secret. The PEM private key of the service account ("\n" escapes accepted). */
  privateKey: z.string().refine(v => parsePrivateKey(v) !== null, 'must be the PEM RSA private key of the service account'),
  /** Default https://fcm.googleapis.com. */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://fcm.googleapis.com'),
  /** Default https://oauth2.googleapis.com/token. */
  tokenUrl: z.url({ protocol: /^https?$/ }).default('https://oauth2.googleapis.com/token'),
  /** Default 10 000. */
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});
export type FcmSettings = z.output<typeof fcmSettings>;

export const fcmProvider = {
  name: 'fcm',
  channel: 'push',
  settings: fcmSettings,
  secretFields: ['privateKey'],
  create(input: FcmSettings, deps: ProviderDeps): Provider {
    const parsed = fcmSettings.safeParse(input);
    if (!parsed.success) throw fromZodIssues(parsed.error.issues, 'settings');
    const s = parsed.data;
    const now = deps.now ?? Date.now;
    const tokens = tokenSource({ clientEmail: s.clientEmail, privateKey: parsePrivateKey(s.privateKey)!, tokenUrl: s.tokenUrl, timeoutMs: s.timeoutMs }, deps);
    const url = `${s.baseUrl.replace(/\/+$/, '')}/v1/projects/${s.projectId}/messages:send`;

    async function post(body: unknown, retried = false): Promise<HttpResult> {
      const access = await tokens.get();
      try {
        return await httpRequest({
          url, method: 'POST', headers: { authorization: `Bearer ${access}` }, json: body,
          timeoutMs: s.timeoutMs, fetch: deps.fetch, now, label: 'fcm', classify: r => fcmError(r, now),
        });
      } catch (err) {
        // An access token can be revoked before it expires: fetch a new one once.
        if (!retried && err instanceof ProviderError && err.opts.status === 401 && err.opts.code !== 'auth') {
          tokens.invalidate();
          return post(body, true);
        }
        throw err;
      }
    }

    return {
      name: 'fcm',
      channel: 'push',
      send(message: OutboundMessage) {
        return fanOut(message.to.pushTokens, 'expired_token', async token => {
          const res = await post({ message: fcmMessage(message, token) });
          return res.json<{ name?: string }>().name ?? null;
        });
      },
    };
  },
} satisfies ProviderFactory<FcmSettings>;

export function fcmMessage(m: OutboundMessage, token: string): Record<string, unknown> {
  const c = m.content;
  const data: Record<string, string> = { ...c.data, omnis_message_id: m.id };
  if (c.url) data.url = c.url;
  const notification: Record<string, string> = {};
  const title = c.title ?? c.subject;
  const body = c.body ?? c.text;
  if (title) notification.title = title;
  if (body) notification.body = body;
  const msg: Record<string, unknown> = { token, data };
  if (Object.keys(notification).length) msg.notification = notification;
  // FCM only accepts https links for web notifications.
  if (c.url?.startsWith('https://')) msg.webpush = { fcm_options: { link: c.url } };
  return msg;
}

interface FcmErrorBody { error?: { code?: number; status?: string; message?: string; details?: { '@type'?: string; errorCode?: string }[] } }

function fcmError(res: HttpResult, now: () => number): ProviderError | undefined {
  let body: FcmErrorBody = {};
  try { body = JSON.parse(res.text) as FcmErrorBody; } catch { /* not JSON: status decides */ }
  const fcmCode = body.error?.details?.find(d => d['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode ?? body.error?.status;
  const message = `fcm: HTTP ${res.status}${fcmCode ? ` ${fcmCode}` : ''}${body.error?.message ? `: ${body.error.message}` : ''}`;
  if (fcmCode === 'UNREGISTERED' || res.status === 404) {
    return new ProviderError(message, false, { status: res.status, code: 'expired_token' });
  }
  const base = statusError('fcm', res, now);
  return new ProviderError(message, base.retryable, { ...base.opts, ...(fcmCode ? { code: fcmCode.toLowerCase() } : {}) });
}
