/**
 * Signed unsubscribe and preference links. A token names a workspace, a profile, a channel
 * and an expiry, signed with HMAC-SHA256 under a key derived (HKDF) from OMNIS_SECRET_KEY,
 * so a link works without a login and cannot be forged or moved to another person.
 *
 * Form: base64url(JSON [v, workspaceId, profileId, channel, expiresAtSeconds]) "." base64url(hmac).
 * Links in email are read months later, so a message's token lives a year from the
 * message's creation (deterministic: every retry of a message carries the same link).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { OmnisError } from '../../shared/index.ts';

export interface LinkClaims { workspaceId: string; profileId: string; channel: string; expiresAt: number }

/** Default life of a link made for a message: 365 days from the message's creation. */
export const LINK_TTL_MS = 365 * 24 * 3600 * 1000;
const VERSION = 1;

export class TokenError extends OmnisError {
  constructor(readonly reason: 'malformed' | 'bad_signature' | 'expired', message: string) {
    // The routes answer these with a page (400, or 410 when expired), not the JSON error.
    super('invalid', message, 'token');
  }
}

export function linkKey(secretKey: string): Buffer {
  if (typeof secretKey !== 'string' || secretKey.length < 16) throw new Error('OMNIS_SECRET_KEY must be at least 16 characters');
  return Buffer.from(hkdfSync('sha256', secretKey, 'omnis', 'omnis unsubscribe links v1', 32));
}

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(`omnis-link.${payload}`).digest();

export function signLink(secretKey: string, c: LinkClaims): string {
  const payload = Buffer.from(JSON.stringify([VERSION, c.workspaceId, c.profileId, c.channel, Math.floor(c.expiresAt / 1000)])).toString('base64url');
  return `${payload}.${mac(linkKey(secretKey), payload).toString('base64url')}`;
}

/** The claims of a good token; throws TokenError (malformed, bad_signature, expired) otherwise. */
export function verifyLink(secretKey: string, token: string, now: number): LinkClaims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) {
    throw new TokenError('malformed', 'this link is not one Omnis made');
  }
  const given = Buffer.from(parts[1], 'base64url');
  const expected = mac(linkKey(secretKey), parts[0]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new TokenError('bad_signature', 'this link is not valid');
  let raw: unknown;
  try { raw = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')); } catch { raw = null; }
  if (!Array.isArray(raw) || raw[0] !== VERSION || raw.length !== 5 || !raw.slice(1, 4).every(s => typeof s === 'string' && s) || typeof raw[4] !== 'number') {
    throw new TokenError('malformed', 'this link is not one Omnis made');
  }
  const claims: LinkClaims = { workspaceId: raw[1] as string, profileId: raw[2] as string, channel: raw[3] as string, expiresAt: (raw[4] as number) * 1000 };
  if (claims.expiresAt <= now) throw new TokenError('expired', 'this link has expired');
  return claims;
}

/** What a link is made for: the outbox message's fields that matter. */
export interface LinkMessage { workspaceId: string; profileId: string; channel: string; purpose?: string; createdAt: number }

export function unsubscribeUrl(baseUrl: string, secretKey: string, m: LinkMessage): string {
  const token = signLink(secretKey, { workspaceId: m.workspaceId, profileId: m.profileId, channel: m.channel, expiresAt: m.createdAt + LINK_TTL_MS });
  return `${baseUrl.replace(/\/+$/, '')}/u/${token}`;
}

/**
 * RFC 8058 one-click unsubscribe headers for a marketing email; none for transactional
 * messages or other channels. Mailbox providers POST "List-Unsubscribe=One-Click" to the
 * URL (Gmail and Yahoo require both headers from bulk senders, and an https URL).
 */
export function unsubscribeHeaders(baseUrl: string, secretKey: string, m: LinkMessage): Record<string, string> {
  if (m.channel !== 'email' || m.purpose === 'transactional') return {};
  return {
    'List-Unsubscribe': `<${unsubscribeUrl(baseUrl, secretKey, m)}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
