/**
 * OAuth2 access tokens for a Google service account (the "JWT bearer" grant, RFC 7523): a JWT
 * signed RS256 with the account's private key is exchanged at the token URL for a bearer token
 * that lives about an hour. Tokens are cached until a minute before they expire, and concurrent
 * sends share one exchange.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { httpRequest } from './http.ts';
import { ProviderError, type ProviderDeps } from './types.ts';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export interface ServiceAccount {
  clientEmail: string;
  privateKey: KeyObject;
  tokenUrl: string;
  timeoutMs: number;
}

/** Service-account JSON stores the PEM with "\n" escaped when pasted through env vars or forms. */
export function parsePrivateKey(pem: string): KeyObject | null {
  try {
    const key = createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
    return key.asymmetricKeyType === 'rsa' ? key : null;
  } catch {
    return null;
  }
}

export function signedAssertion(sa: ServiceAccount, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iss: sa.clientEmail, scope: FCM_SCOPE, aud: sa.tokenUrl, iat, exp: iat + 3600 })}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), sa.privateKey).toString('base64url')}`;
}

export function tokenSource(sa: ServiceAccount, deps: ProviderDeps): { get(): Promise<string>; invalidate(): void } {
  const now = deps.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;

  async function exchange(): Promise<string> {
    const res = await httpRequest({
      url: sa.tokenUrl,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: signedAssertion(sa, now()) }).toString(),
      timeoutMs: sa.timeoutMs, fetch: deps.fetch, now, label: 'fcm token',
      // 400/401 here mean wrong credentials (invalid_grant): retrying will not help.
      classify: r => r.status === 400 || r.status === 401
        ? new ProviderError(`fcm: service account rejected at the token endpoint (HTTP ${r.status}) ${r.text.slice(0, 200)}`.trim(), false, { status: r.status, code: 'auth' })
        : undefined,
    });
    const body = res.json<{ access_token?: string; expires_in?: number }>();
    if (!body.access_token) throw new ProviderError('fcm: token endpoint answered without access_token', true, { code: 'auth' });
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in ?? 3600) * 1000 };
    return body.access_token;
  }

  return {
    get() {
      if (cached && now() < cached.expiresAt - 60_000) return Promise.resolve(cached.token);
      pending ??= exchange().finally(() => { pending = null; });
      return pending;
    },
    invalidate() { cached = null; },
  };
}
