import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import { workspaceOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(200) });
const segmentBody = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  condition: z.unknown().describe('the condition language: {"all": [...]}, {"trait": ...}, {"event": ...}, ...'),
});

export async function segmentRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['segments'];
  const svc = omnis.segments;

  app.get('/segments', { schema: { summary: 'Segments with size and status', tags } }, async req => ({ data: await svc.list(workspaceOf(req)) }));
  app.post('/segments', { schema: { summary: 'Create a segment; it is computed over every profile in the background', tags, body: segmentBody } },
    async (req, reply) => reply.status(201).send(await svc.create(workspaceOf(req), req.body)));
  app.post('/segments/preview', {
    schema: { summary: 'Size of a condition without saving it (exact, or estimated from a sample on large workspaces)', tags, body: z.object({ condition: z.unknown() }) },
  }, async req => svc.preview(workspaceOf(req), req.body.condition));
  app.get('/segments/:id', { schema: { summary: 'A segment, with size and status (computing/ready)', tags, params: idParams } },
    async req => svc.get(workspaceOf(req), req.params.id));
  app.put('/segments/:id', { schema: { summary: 'Edit a segment; a new condition is recomputed in the background', tags, params: idParams, body: segmentBody.partial() } },
    async req => svc.update(workspaceOf(req), req.params.id, req.body));
  app.delete('/segments/:id', { schema: { summary: 'Delete a segment', tags, params: idParams } }, async (req, reply) => {
    await svc.remove(workspaceOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.get('/segments/:id/usage', { schema: { summary: 'Where a segment is used: journeys (entry, branches, drafts included) and other segments that reference it', tags, params: idParams } },
    async req => {
      const ws = workspaceOf(req);
      const journeys = await Promise.all((await omnis.journeys.list(ws)).map(j => omnis.journeys.get(ws, j.id)));
      return svc.usage(ws, req.params.id, journeys);
    });
  app.get('/segments/:id/members', {
    schema: {
      summary: 'Members with name, email, phone and user id, paged by cursor; format=csv exports their ids', tags, params: idParams,
      querystring: z.object({ cursor: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), format: z.enum(['json', 'csv']).default('json') }),
    },
  }, async (req, reply) => {
    const ws = workspaceOf(req);
    if (req.query.format === 'json') return svc.membersWithContacts(ws, req.params.id, req.query);
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.id}.csv"`);
    const lines = ['profile_id,since'];
    let cursor: string | undefined;
    do {
      const page = await svc.members(ws, req.params.id, { cursor, limit: 1000 });
      for (const m of page.data) lines.push(`${m.profileId},${m.since}`);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return lines.join('\n') + '\n';
  });

  app.get('/computed-traits', { schema: { summary: 'Computed traits, custom and built-in', tags } }, async req => ({ data: await svc.listTraits(workspaceOf(req)) }));
  app.post('/computed-traits', {
    schema: { summary: 'Create a computed trait: count, sum, min, max, first, last, most_frequent or distinct_count of an event', tags, body: z.record(z.string(), z.unknown()) },
  }, async (req, reply) => reply.status(201).send(await svc.createTrait(workspaceOf(req), req.body)));
  app.delete('/computed-traits/:id', { schema: { summary: 'Delete a computed trait', tags, params: idParams } }, async (req, reply) => {
    await svc.removeTrait(workspaceOf(req), req.params.id);
    return reply.status(204).send();
  });
}
