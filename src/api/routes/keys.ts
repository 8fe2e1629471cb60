import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import { createKey, listKeys, revokeKey } from '../../ingest/index.ts';
import { workspaceOf } from '../auth.ts';

export async function keyRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['keys'];
  app.get('/keys', { schema: { summary: 'Write and admin keys (never their secrets)', tags } }, async req => ({ data: await listKeys(omnis.db, workspaceOf(req)) }));
  app.post('/keys', {
    schema: {
      summary: 'Create a key; the secret is shown once, in this answer', tags,
      body: z.object({
        kind: z.enum(['write', 'admin']), name: z.string().min(1).max(100).optional(),
        source: z.string().max(50).optional().describe('web, app, pos, server, ...'),
        channel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).optional().describe("default channel of the source's events"),
        rateLimit: z.number().int().min(1).optional().describe('events per second'),
      }).strict(),
    },
  }, async (req, reply) => {
    const { key, secret } = await createKey(omnis.db, { ...req.body, workspaceId: workspaceOf(req) });
    return reply.status(201).send({ ...key, secret });
  });
  app.post('/keys/:id/revoke', { schema: { summary: 'Revoke a key; it stops working at once', tags, params: z.object({ id: z.string() }) } }, async req => {
    const key = await revokeKey(omnis.db, workspaceOf(req), req.params.id, omnis.clock.now());
    omnis.keys.invalidate();
    return key;
  });
}
