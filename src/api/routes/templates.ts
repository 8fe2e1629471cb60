import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import { renderTemplate, validateTemplate, type Template } from '../../messaging/index.ts';
import { getProfile } from '../../profiles/index.ts';
import { notFound } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

const keyParams = z.object({ key: z.string().min(1).max(200) });

export async function templateRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['templates'];
  const store = omnis.templates;
  app.get('/templates', { schema: { summary: 'Template keys with their channels and locales', tags } }, async req => ({ data: await store.list(workspaceOf(req)) }));
  app.post('/templates', {
    schema: { summary: 'Create a template variant: {key, channel, locale?, subject?, mjml | html, text?, body?, title?, url?}', tags, body: z.record(z.string(), z.unknown()) },
  }, async (req, reply) => reply.status(201).send(await store.create(workspaceOf(req), req.body)));
  app.get('/templates/:key', { schema: { summary: 'Every variant of a template key', tags, params: keyParams } }, async req => {
    const v = await store.variants(workspaceOf(req), req.params.key);
    if (!v.length) throw notFound(`template ${req.params.key}`);
    return { key: req.params.key, variants: v };
  });
  app.put('/templates/:key', { schema: { summary: 'Create or replace the variant named by channel and locale', tags, params: keyParams, body: z.record(z.string(), z.unknown()) } },
    async req => store.put(workspaceOf(req), req.params.key, req.body));
  app.delete('/templates/:key', { schema: { summary: 'Delete every variant of a key', tags, params: keyParams } }, async (req, reply) => {
    await store.remove(workspaceOf(req), req.params.key);
    return reply.status(204).send();
  });
  app.post('/templates/:key/preview', {
    schema: {
      summary: 'Render a template for a profile (sandboxed; nothing is sent); with `template`, render that unsaved draft instead', tags, params: keyParams,
      body: z.object({
        profileId: z.string().min(1), channel: z.string().optional(), locale: z.string().optional(), event: z.record(z.string(), z.unknown()).optional(), offer: z.record(z.string(), z.unknown()).optional(),
        template: z.record(z.string(), z.unknown()).optional().describe('a variant being edited: validated like a save (errors name the field), rendered, not stored'),
      }),
    },
  }, async req => {
    const ws = workspaceOf(req);
    const profile = await getProfile(omnis.db, ws, req.body.profileId);
    const [{ computed }] = await omnis.db.query<{ computed: Record<string, unknown> }>('select computed from profiles where id = $1', [profile.id]);
    const locale = req.body.locale ?? (typeof profile.traits.locale === 'string' ? profile.traits.locale : null);
    let template: Template;
    if (req.body.template) {
      template = await validateTemplate({ ...req.body.template, key: req.params.key });
    } else {
      const variants = await store.variants(ws, req.params.key, req.body.channel);
      if (!variants.length) throw notFound(`template ${req.params.key}${req.body.channel ? ` for ${req.body.channel}` : ''}`);
      template = (await store.load(ws, req.params.key, variants[0].channel, locale))!;
    }
    const content = await renderTemplate(template, {
      profile: { id: profile.id, traits: profile.traits, computed }, event: req.body.event ?? {}, offer: req.body.offer ?? {},
    });
    return { key: template.key, channel: template.channel, locale: template.locale ?? null, content };
  });
}
