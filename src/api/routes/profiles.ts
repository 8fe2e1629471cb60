import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import { getProfile, findProfileId, timeline, searchProfiles } from '../../profiles/index.ts';
import { invalid } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(200) });

export async function profileRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['profiles'];

  /** The profile as the profiles module holds it, plus what other modules know of it. */
  const full = async (ws: string, id: string) => {
    const p = await getProfile(omnis.db, ws, id);
    const [segments, computed, journeys] = await Promise.all([
      omnis.segments.membershipOf(p.id),
      omnis.db.query<{ computed: Record<string, unknown> }>('select computed from profiles where id = $1', [p.id]),
      omnis.journeys.runsOf(p.id),
    ]);
    return { ...p, computed: computed[0]?.computed ?? {}, segments, journeys };
  };

  app.get('/profiles', {
    schema: { summary: 'Find the profile holding an identifier', tags, querystring: z.object({ identifier: z.string().min(3).max(300).describe('type:value, e.g. email:ana@example.com') }) },
  }, async req => {
    const ws = workspaceOf(req);
    return full(ws, await findProfileId(omnis.db, ws, req.query.identifier));
  });

  app.get('/profiles/search', {
    schema: {
      summary: 'Profiles holding an identifier equal to q under any identifier type (email, phone, user_id, loyalty_id...), each normalised its own way',
      tags, querystring: z.object({ q: z.string().min(1).max(300).describe('what the customer gives: an email, a phone number, a loyalty card number...; or type:value'), limit: z.coerce.number().int().min(1).max(50).default(20) }),
    },
  }, async req => {
    const ws = workspaceOf(req);
    return { data: await searchProfiles(omnis.db, ws, req.query.q, await omnis.settings.rulesFor(ws), req.query.limit) };
  });

  app.get('/profiles/:id', { schema: { summary: 'A profile (a merged-away id resolves to its survivor)', tags, params: idParams } },
    async req => full(workspaceOf(req), req.params.id));

  app.get('/profiles/:id/events', {
    schema: {
      summary: 'The cross-channel timeline, newest first', tags, params: idParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50), cursor: z.string().max(200).optional(), channel: z.string().max(32).optional() }),
    },
  }, async req => timeline(omnis.db, workspaceOf(req), req.params.id, req.query));

  app.get('/profiles/:id/export', { schema: { summary: 'Everything held about the profile', tags, params: idParams } },
    async req => omnis.exportProfile(workspaceOf(req), req.params.id));

  app.delete('/profiles/:id', { schema: { summary: 'Forget the profile: events, identities, traits, messages and segment memberships deleted, journey runs ended, identifiers suppressed', tags, params: idParams } },
    async req => omnis.forget(workspaceOf(req), req.params.id));

  app.get('/identity-rules', { schema: { summary: 'Identity resolution rules of the workspace', tags: ['identity'] } },
    async req => (await omnis.settings.rulesFor(workspaceOf(req))).rules);
  app.put('/identity-rules', { schema: { summary: 'Replace the identity resolution rules', tags: ['identity'], body: z.record(z.string(), z.unknown()) } },
    async req => {
      if (!req.body || typeof req.body !== 'object') throw invalid('body', 'expected an object');
      return omnis.settings.setIdentityRules(workspaceOf(req), req.body);
    });
}
