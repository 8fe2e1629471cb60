import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OmnisError } from '../../shared/index.ts';
import { ROLES, type Session, type UserService } from '../../users/index.ts';
import { SESSION_COOKIE, checkCsrf, clearSessionCookie, setSessionCookie } from '../auth.ts';

export const sessionUser = z.object({
  id: z.string(), email: z.string(), name: z.string().nullable(), role: z.enum(ROLES), workspaceId: z.string(),
});
const sessionBody = z.object({ user: sessionUser, csrfToken: z.string().describe('send it back in x-csrf-token on every request that changes something') });

const view = (s: Session) => ({
  user: { id: s.user.id, email: s.user.email, name: s.user.name, role: s.user.role, workspaceId: s.user.workspaceId }, csrfToken: s.csrfToken,
});

/** Console sign-in: reachable without credentials, so registered outside the authenticated scope (under /api/v1). */
export async function authRoutes(fastify: FastifyInstance, { users }: { users: UserService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  app.post('/auth/login', {
    schema: {
      summary: 'Sign in to the console: sets the omnis_session cookie and returns the CSRF token', tags,
      body: z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1000) }),
      response: { 200: sessionBody },
    },
  }, async (req, reply) => {
    const { token, session } = await users.login(req.body.email, req.body.password);
    // A browser signing in again leaves no orphan session behind.
    const previous = req.cookies[SESSION_COOKIE];
    if (previous) await users.logout(previous);
    setSessionCookie(req, reply, token, users.sessions.maxMs);
    return view(session);
  });

  app.get('/auth/me', {
    schema: { summary: 'The signed-in user and the session\'s CSRF token; 401 when not signed in', tags, response: { 200: sessionBody } },
  }, async req => {
    const session = await users.session(req.cookies[SESSION_COOKIE]);
    if (!session) throw new OmnisError('unauthorized', 'not signed in');
    return view(session);
  });

  app.post('/auth/logout', {
    schema: { summary: 'Sign out: ends the session on the server and clears the cookie (needs x-csrf-token)', tags },
  }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    const session = await users.session(token);
    if (session) {
      checkCsrf(req, session.csrfToken);
      await users.logout(token);
    }
    clearSessionCookie(req, reply);
    return reply.status(204).send();
  });
}
