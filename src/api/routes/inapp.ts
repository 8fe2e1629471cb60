import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JsonObject } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

type Visitor = { userId?: string; anonymousId?: string };

/** What the public routes need from the messaging module's InAppService. */
export interface InAppInbox {
  fetch(workspaceId: string, who: Visitor, opts: { limit?: number }): Promise<object[]>;
  engage(workspaceId: string, who: Visitor, messageId: string, action: 'viewed' | 'clicked' | 'dismissed', properties?: JsonObject): Promise<boolean>;
}

/** The write-key check of the tracking API (omnis.ingest.authenticate). */
export type WriteKeyAuth = (authorization: string | undefined, body: unknown) => Promise<{ workspaceId: string }>;

const visitor = {
  userId: z.string().min(1).max(200).optional(),
  anonymousId: z.string().min(1).max(200).optional(),
};
const needsId = (v: Visitor) => Boolean(v.userId || v.anonymousId);
const ID_MESSAGE = { message: 'give userId or anonymousId', path: ['userId'] };

/**
 * Public, for apps and websites (write key as Basic auth like the tracking API, or
 * `writeKey` in the query where a browser cannot set headers): the visitor's waiting in-app
 * messages, and what they did with them. CORS is open: write keys are public by design.
 */
export async function inappRoutes(fastify: FastifyInstance, { inapp, authenticate }: { inapp: InAppInbox; authenticate: WriteKeyAuth }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['tracking'];
  app.addHook('onRequest', async (_req, reply) => {
    reply.header('access-control-allow-origin', '*').header('access-control-allow-headers', 'authorization, content-type').header('access-control-allow-methods', 'GET, POST, OPTIONS')
      .header('access-control-max-age', '86400');
  });
  app.options('/v1/messages', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());
  app.options('/v1/messages/:id/events', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());

  app.get('/v1/messages', {
    schema: {
      summary: 'The visitor\'s waiting in-app messages, oldest first; they are then marked delivered', tags,
      querystring: z.object({ ...visitor, limit: z.coerce.number().int().min(1).max(100).default(20), writeKey: z.string().max(200).optional() }).refine(needsId, ID_MESSAGE),
    },
  }, async req => {
    const key = await authenticate(req.headers.authorization, { writeKey: req.query.writeKey });
    return { messages: await inapp.fetch(key.workspaceId, { userId: req.query.userId, anonymousId: req.query.anonymousId }, { limit: req.query.limit }) };
  });

  app.post('/v1/messages/:id/events', {
    schema: {
      summary: 'The visitor viewed, clicked or dismissed an in-app message ("In-App Message Opened/Clicked/Dismissed")', tags,
      params: z.object({ id: z.string().min(1).max(200) }),
      body: z.object({ ...visitor, event: z.enum(['viewed', 'clicked', 'dismissed']), properties: z.record(z.string(), z.unknown()).optional(), writeKey: z.string().max(200).optional() })
        .refine(needsId, ID_MESSAGE),
    },
  }, async (req, reply) => {
    const key = await authenticate(req.headers.authorization, req.body);
    const ok = await inapp.engage(key.workspaceId, { userId: req.body.userId, anonymousId: req.body.anonymousId }, req.params.id, req.body.event, (req.body.properties ?? {}) as JsonObject);
    if (!ok) return reply.status(404).send({ error: { code: 'not_found', message: `no in-app message ${req.params.id} for this visitor` } });
    return { ok: true };
  });
}

/** What the management routes need from the messaging module's AudienceService. */
export interface AudienceReader {
  list(workspaceId: string): Promise<object[]>;
  members(workspaceId: string, audience: string, opts: { at?: number; limit?: number; cursor?: string }): Promise<{ at: number; members: object[]; nextCursor: string | null }>;
  exportCsv(workspaceId: string, audience: string, platform: 'facebook' | 'google' | 'plain', at?: number): Promise<{ csv: string; members: number }>;
  resync(workspaceId: string, audience: string, platform?: 'facebook' | 'google' | 'pinterest'): Promise<number>;
}

const nameParams = z.object({ name: z.string().min(1).max(200) });
const at = z.iso.datetime({ offset: true, message: 'must be an ISO date-time, e.g. 2026-03-01T00:00:00Z' }).optional();
const iso = (t: unknown) => (typeof t === 'number' ? new Date(t).toISOString() : t ?? null);
const isoFields = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, /At$/.test(k) ? iso(v) : v]));

/**
 * Ad audiences (under /api/v1, admin key). Lives here for now because the audience API
 * came with the delivery features; move it to audiences.ts at will.
 */
export async function audienceRoutes(fastify: FastifyInstance, { audiences }: { audiences: AudienceReader }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['audiences'];
  app.get('/audiences', { schema: { summary: 'Ad audiences with member counts and per-platform sync state', tags } }, async req => ({
    audiences: (await audiences.list(workspaceOf(req))).map(a => {
      const v = isoFields(a);
      return { ...v, platforms: Array.isArray(v.platforms) ? (v.platforms as object[]).map(isoFields) : [] };
    }),
  }));

  app.get('/audiences/:name/members', {
    schema: {
      summary: 'Members of an audience at a time (default now): ad-audience membership over time', tags, params: nameParams,
      querystring: z.object({ at, limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(200).optional() }),
    },
  }, async req => {
    const page = await audiences.members(workspaceOf(req), req.params.name, { at: req.query.at ? Date.parse(req.query.at) : undefined, limit: req.query.limit, cursor: req.query.cursor });
    return { audience: req.params.name, at: iso(page.at), members: page.members.map(isoFields), nextCursor: page.nextCursor };
  });

  app.get('/audiences/:name/export', {
    schema: {
      summary: 'The members as a CSV of hashed identifiers for a platform\'s customer-list upload', tags, params: nameParams,
      querystring: z.object({ platform: z.enum(['facebook', 'google', 'plain']).default('plain'), at }),
    },
  }, async (req, reply) => {
    const { csv, members } = await audiences.exportCsv(workspaceOf(req), req.params.name, req.query.platform, req.query.at ? Date.parse(req.query.at) : undefined);
    const file = `${req.params.name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${req.query.platform}.csv`;
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`).header('x-omnis-members', String(members)).send(csv);
  });

  app.post('/audiences/:name/sync', {
    schema: { summary: 'Resend every member to the ad platforms at the next sync pass', tags, params: nameParams, querystring: z.object({ platform: z.enum(['facebook', 'google', 'pinterest']).optional() }) },
  }, async (req, reply) => reply.status(202).send({ audience: req.params.name, platforms: await audiences.resync(workspaceOf(req), req.params.name, req.query.platform) }));
}
