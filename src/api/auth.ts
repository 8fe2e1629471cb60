import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OmnisError } from '../shared/index.ts';
import type { ApiKey, KeyCache } from '../ingest/index.ts';
import { refusal, type Role, type User, type UserService } from '../users/index.ts';

/** Who is calling the management API: an admin key, or a console user signed in with a session cookie. */
export type Principal =
  | { kind: 'key'; workspaceId: string; role: 'admin'; key: ApiKey }
  | { kind: 'user'; workspaceId: string; role: Role; user: User; csrfToken: string };

declare module 'fastify' {
  interface FastifyRequest { adminKey?: ApiKey; principal?: Principal }
}

export const SESSION_COOKIE = 'omnis_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Management API: `Authorization: Bearer <admin key>` (full access, no CSRF: browsers never
 * add that header on their own), or the console's session cookie. With the cookie, every
 * request that may change something must echo the session's CSRF token in x-csrf-token,
 * and the user's role must allow the route (see src/users/permissions.ts).
 */
export function managementAuth(keys: KeyCache, users: UserService) {
  return async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (h || !cookie) {
      const secret = h?.startsWith('Bearer ') ? h.slice(7).trim() : null;
      if (!secret) throw new OmnisError('unauthorized', 'missing admin key: send Authorization: Bearer <admin key>, or sign in at /api/v1/auth/login');
      const key = await keys.authenticate(secret, 'admin');
      if (!key) throw new OmnisError('unauthorized', 'unknown or revoked admin key (write keys only work on the /v1 tracking API)');
      req.adminKey = key;
      req.principal = { kind: 'key', workspaceId: key.workspaceId, role: 'admin', key };
      return;
    }
    const session = await users.session(cookie);
    if (!session) throw new OmnisError('unauthorized', 'not signed in, or the session has ended: sign in again');
    const method = req.method.toUpperCase();
    if (!SAFE.has(method)) checkCsrf(req, session.csrfToken);
    const pattern = routePattern(req);
    const no = refusal(session.user.role, method, pattern);
    if (no) throw new OmnisError('forbidden', no);
    req.principal = { kind: 'user', workspaceId: session.user.workspaceId, role: session.user.role, user: session.user, csrfToken: session.csrfToken };
  };
}

export function checkCsrf(req: FastifyRequest, expected: string) {
  const got = req.headers[CSRF_HEADER];
  const given = Buffer.from(typeof got === 'string' ? got : '');
  const want = Buffer.from(expected);
  if (given.length !== want.length || !timingSafeEqual(given, want)) {
    throw new OmnisError('forbidden', `${given.length ? 'wrong' : 'missing'} CSRF token: requests that change something must send the csrfToken from sign-in in the ${CSRF_HEADER} header`, CSRF_HEADER);
  }
}

/** The route as registered, without the /api/v1 prefix: "/journeys/:id/publish". */
function routePattern(req: FastifyRequest): string {
  const url = req.routeOptions.url ?? req.url.split('?')[0];
  return url.startsWith('/api/v1/') ? url.slice('/api/v1'.length) : url;
}

/** The session cookie: HttpOnly so scripts cannot read it, SameSite so other sites do not send it, Secure over https. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number) {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(req), maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(req) });
}

// Behind a TLS-terminating proxy the request arrives over http with X-Forwarded-Proto. Trusting
// the header here is harmless: it can only add Secure, which hurts nobody but a client lying about it.
const isHttps = (req: FastifyRequest) =>
  req.protocol === 'https' || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';

export const workspaceOf = (req: FastifyRequest): string => {
  const ws = req.principal?.workspaceId ?? req.adminKey?.workspaceId;
  if (!ws) throw new OmnisError('unauthorized', 'not authenticated');
  return ws;
};
