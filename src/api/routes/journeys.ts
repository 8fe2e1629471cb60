import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import { simulateJourney } from '../../app/index.ts';
import { journeyProblems, journeyStats, journeyTotals, runsAtStep, stepOutcomes } from '../../journeys/index.ts';
import { workspaceOf } from '../auth.ts';

const idParams = z.object({ id: z.string().min(1).max(200) });
const definition = z.record(z.string(), z.unknown()).describe('a journey definition: name, entry, reentry, goal, exit, start, steps');

export async function journeyRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['journeys'];
  const svc = omnis.journeys;

  app.get('/journeys', { schema: { summary: 'Journeys, with runs entered and converted so far', tags } }, async req => {
    const ws = workspaceOf(req);
    const [list, totals] = await Promise.all([svc.list(ws), journeyTotals(omnis.db, ws)]);
    return { data: list.map(j => ({ ...j, entered: totals[j.id]?.entered ?? 0, converted: totals[j.id]?.converted ?? 0 })) };
  });
  app.post('/journeys/validate', {
    schema: { summary: 'Every problem of a definition being edited (each step checked on its own); nothing is stored', tags, body: z.object({ definition }) },
  }, async req => { workspaceOf(req); const problems = journeyProblems(req.body.definition); return { problems, valid: !problems.some(p => !p.publishOnly), publishable: problems.length === 0 }; });
  app.post('/journeys', { schema: { summary: 'Create a journey (a draft; errors name the path)', tags, body: definition } },
    async (req, reply) => reply.status(201).send(await svc.create(workspaceOf(req), req.body)));
  app.get('/journeys/:id', { schema: { summary: 'A journey: its draft and its published version', tags, params: idParams } }, async req => svc.get(workspaceOf(req), req.params.id));
  app.put('/journeys/:id', { schema: { summary: 'Replace the draft', tags, params: idParams, body: definition } }, async req => svc.update(workspaceOf(req), req.params.id, req.body));
  app.post('/journeys/:id/publish', { schema: { summary: 'Publish the draft as a new version; runs in flight stay on theirs', tags, params: idParams } },
    async req => svc.publish(workspaceOf(req), req.params.id));
  for (const action of ['pause', 'resume', 'archive'] as const) {
    app.post(`/journeys/:id/${action}`, { schema: { summary: `${action[0].toUpperCase()}${action.slice(1)} the journey`, tags, params: idParams } },
      async req => svc.setStatus(workspaceOf(req), req.params.id, action));
  }
  app.get('/journeys/:id/stats', { schema: { summary: 'Per step entered, waiting, moved on, sends; conversions per path, holdout and lift with a 95% interval', tags, params: idParams } },
    async req => {
      await svc.get(workspaceOf(req), req.params.id);
      const [stats, outcomes] = await Promise.all([journeyStats(omnis.db, req.params.id), stepOutcomes(omnis.db, req.params.id)]);
      const none = { entered: 0, waiting: 0, movedOn: 0, sends: {} };
      const steps = Object.fromEntries([...new Set([...Object.keys(stats.steps), ...Object.keys(outcomes)])].map(id =>
        [id, { ...(stats.steps[id] ?? none), ...(outcomes[id] ?? { opens: 0, clicks: 0, conversions: 0, revenue: 0 }) }]));
      return { ...stats, steps };
    });
  app.get('/journeys/:id/steps/:step/runs', {
    schema: {
      summary: 'Who is at a step right now: active runs there, oldest arrival first', tags,
      params: idParams.extend({ step: z.string().min(1).max(64) }),
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(500).optional() }),
    },
  }, async req => {
    await svc.get(workspaceOf(req), req.params.id);
    return runsAtStep(omnis.db, req.params.id, req.params.step, { limit: req.query.limit, cursor: req.query.cursor });
  });
  app.post('/journeys/:id/simulate', {
    schema: {
      summary: 'Run the real engine on a virtual clock over a throwaway profile; nothing is sent', tags, params: idParams,
      body: z.object({
        profile: z.object({ traits: z.record(z.string(), z.unknown()).default({}), consent: z.record(z.string(), z.boolean()).optional(), timezone: z.string().optional() }).default({ traits: {} }),
        events: z.array(z.object({ at: z.string().datetime({ offset: true }) }).passthrough()).max(500),
        definition: definition.optional().describe('simulate this definition instead of the saved draft'),
        until: z.string().datetime({ offset: true }).optional(),
      }),
    },
  }, async req => simulateJourney(omnis, workspaceOf(req), req.params.id, req.body));

  app.get('/contact-policy', { schema: { summary: 'Caps, quiet hours and journey priority across all journeys', tags: ['policy'] } },
    async req => svc.policy(omnis.db, workspaceOf(req)));
  app.put('/contact-policy', { schema: { summary: 'Replace the contact policy', tags: ['policy'], body: z.record(z.string(), z.unknown()) } },
    async req => svc.setPolicy(workspaceOf(req), req.body));
}
