import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, ROLES, type User, type UserService } from '../../users/index.ts';
import { workspaceOf } from '../auth.ts';

const iso = (t: number) => new Date(t).toISOString();
const userView = (u: User) => ({
  id: u.id, email: u.email, name: u.name, role: u.role, workspaceId: u.workspaceId, disabled: u.disabled, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt),
});

const password = z.string()
  .min(MIN_PASSWORD_LENGTH, `a password needs at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `a password has at most ${MAX_PASSWORD_LENGTH} characters`);
const role = z.enum(ROLES).describe('admin: everything; marketer: everything but users, keys and channel configuration; analyst: reads, analytics and creating segments; read_only: reads');
const name = z.string().max(200).nullable();
const idParams = z.object({ id: z.string().min(1).max(200) });

/** Console users of the workspace; admins only (src/users/permissions.ts). Never returns password hashes. */
export async function userRoutes(fastify: FastifyInstance, { users }: { users: UserService }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];

  app.get('/users', { schema: { summary: 'Console users of the workspace', tags } }, async req => ({ data: (await users.list(workspaceOf(req))).map(userView) }));
  app.post('/users', {
    schema: {
      summary: 'Create a console user (409 when the email is taken)', tags,
      body: z.object({
        email: z.string().trim().toLowerCase().regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address').max(254),
        name: name.optional(), role, password,
      }).strict(),
    },
  }, async (req, reply) => reply.status(201).send(userView(await users.create(workspaceOf(req), req.body))));
  app.get('/users/:id', { schema: { summary: 'A console user', tags, params: idParams } }, async req => userView(await users.get(workspaceOf(req), req.params.id)));
  app.patch('/users/:id', {
    schema: {
      summary: 'Change name, role, password or disabled; a new password or disabling ends the user\'s sessions; the last admin stays admin (409)', tags, params: idParams,
      body: z.object({ name: name.optional(), role: role.optional(), password: password.optional(), disabled: z.boolean().optional() }).strict(),
    },
  }, async req => userView(await users.update(workspaceOf(req), req.params.id, req.body)));
  app.delete('/users/:id', { schema: { summary: 'Delete a console user (not the last admin: 409)', tags, params: idParams } }, async (req, reply) => {
    await users.remove(workspaceOf(req), req.params.id);
    return reply.status(204).send();
  });
}
