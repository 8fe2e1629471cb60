import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';
import {
  CONDITION_OPS, MODEL_NAMES, classifyEvents, duration, experimentReport, funnelReport, getTaxonomy, importSpend, isIsoTime, listSpend,
  parseRange, parseSpendCsv, parseSpendRows, pathReport, REVENUE_INTERVALS, revenueReport, saveDropOffs, setTaxonomy, storeAttribution,
} from '../../analytics/index.ts';
import { journeyStats } from '../../journeys/index.ts';
import { DURATION_RE } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

/** Like .strict(), but an unknown key is reported at its own path (zod puts it at the object's), so the error names it. */
const closed = <T extends z.ZodRawShape>(shape: T) => z.object(shape).loose().superRefine((v, ctx) => {
  for (const k of Object.keys(v)) if (!(k in shape)) ctx.addIssue({ code: 'custom', path: [k], message: `unknown key; expected ${Object.keys(shape).join(', ')}` });
});

const time = z.string().refine(isIsoTime, { message: 'expected a date like 2026-03-01 or a time like 2026-03-01T10:00:00Z' });
const span = (dflt: string) => z.string().regex(DURATION_RE, { message: 'expected a duration like "30m", "7d" or "2w" (units s m h d w)' }).default(dflt);
const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
const value = z.union([scalar, z.array(scalar).max(1000)]).optional();
const condition = closed({ field: z.string().min(1).max(200), op: z.enum(CONDITION_OPS), value });
const rule = closed({
  if: z.union([condition, z.array(condition).max(20)]),
  channel: z.string().max(64).nullable().describe('the touchpoint channel; null: not a touchpoint'),
  offline: z.boolean().optional(),
  channelFrom: closed({ field: z.string().min(1).max(200), suffix: z.string().max(32).optional() }).optional(),
});
const taxonomy = closed({
  rules: z.array(rule).max(500).optional().describe('ordered; the first rule whose conditions all hold names the channel'),
  channels: z.record(z.string(), closed({ offline: z.boolean().optional() })).optional(),
  conversion: closed({ event: z.string().min(1).max(200) }).optional(),
  sessionGap: z.string().regex(DURATION_RE, { message: 'expected a duration like "30m" or "0s"' }).optional(),
});
const range = { from: time, to: time.describe('inclusive; a date means through its end (UTC)') };

const attributionBody = closed({
  ...range,
  models: z.array(z.enum(MODEL_NAMES)).min(1).default([...MODEL_NAMES]),
  order: z.number().int().min(1).max(6).optional().describe('Markov order, default 1'),
  nulls: z.boolean().optional().describe('Markov: count journeys that did not convert'),
  lookback: span('30d'),
  halfLife: z.string().regex(DURATION_RE).optional().describe('time_decay half-life, default 7d'),
  positionWeights: closed({ first: z.number().min(0), middle: z.number().min(0), last: z.number().min(0) }).optional(),
  conversion: closed({ event: z.string().min(1).max(200).optional(), value: z.string().min(1).max(200).optional().describe('field holding the value, default properties.revenue, else properties.total') }).optional(),
  breakdown: z.string().min(1).max(200).optional().describe('traits.x (the profile) or an event field such as properties.store'),
});

const where = closed({ property: z.string().min(1).max(200), op: z.enum(CONDITION_OPS), value });
const funnelStep = closed({ event: z.string().min(1).max(200), where: z.array(where).max(20).optional(), channel: z.string().max(32).optional() });
const funnelBody = closed({
  ...range,
  steps: z.array(funnelStep).min(1).max(20),
  window: span('7d'),
  breakdown: z.string().min(1).max(200).optional().describe('channel, traits.x or properties.x (of step 1)'),
  segmentId: z.string().min(1).max(200).optional(),
  includeProfiles: z.boolean().default(false),
  maxProfiles: z.number().int().min(1).max(10_000).optional(),
});

const saveDropOffsBody = closed({
  ...range,
  steps: z.array(funnelStep).min(2).max(20),
  window: span('7d'),
  segmentId: z.string().min(1).max(200).optional().describe('the funnel was limited to this segment'),
  step: z.number().int().min(2).describe('save who did the step before this one (1-based) and not this one'),
  name: z.string().trim().min(1).max(200).describe('name of the segment created'),
});

const revenueQuery = z.object({
  ...range,
  interval: z.enum(REVENUE_INTERVALS).default('day'),
  event: z.string().min(1).max(200).optional().describe("the conversion event; default the taxonomy's"),
  value: z.string().min(1).max(200).optional().describe('field holding the value, default properties.revenue, else properties.total'),
});

const pathsBody = closed({
  ...range,
  conversion: z.string().min(1).max(200).optional(),
  lookback: span('30d'),
  maxSteps: z.number().int().min(1).max(10).default(5),
  limit: z.number().int().min(1).max(200).default(20),
});

const spendRow = z.record(z.string(), z.unknown());
const spendBody = z.union([z.array(spendRow).min(1).max(100_000), closed({ csv: z.string().min(1) }), z.string().min(1)]);

/** Attribution, funnels, paths, the touchpoint taxonomy and ad spend: management API under /api/v1. */
export async function analyticsRoutes(fastify: FastifyInstance, { omnis }: { omnis: Omnis }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['analytics'];
  // Spend exports come as CSV files as often as JSON.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/analytics/taxonomy', { schema: { summary: 'The channel taxonomy: which events are touchpoints, and of which channel', tags } },
    async req => getTaxonomy(omnis.db, workspaceOf(req)));
  app.put('/analytics/taxonomy', { schema: { summary: 'Replace the channel taxonomy (keys left out take the defaults; {} restores them)', tags, body: taxonomy } },
    async req => setTaxonomy(omnis.db, workspaceOf(req), req.body, omnis.clock.now()));
  app.get('/analytics/touchpoints', {
    schema: { summary: 'How the taxonomy classifies stored events in a range', tags, querystring: z.object({ ...range, limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  }, async req => {
    const ws = workspaceOf(req);
    return { data: await classifyEvents(omnis.db, ws, await getTaxonomy(omnis.db, ws), parseRange(req.query.from, req.query.to), req.query.limit) };
  });

  app.post('/attribution', { schema: { summary: 'Channel credit for conversions and revenue under each model, with ROAS from imported spend', tags, body: attributionBody } },
    async req => {
      const b = req.body;
      return storeAttribution(omnis.db, workspaceOf(req), {
        range: parseRange(b.from, b.to), lookbackMs: duration(b.lookback, 'lookback'), models: b.models, order: b.order, nulls: b.nulls,
        halfLifeMs: b.halfLife === undefined ? undefined : duration(b.halfLife, 'halfLife'), positionWeights: b.positionWeights,
        conversion: b.conversion, breakdown: b.breakdown,
      });
    });

  app.post('/funnels', { schema: { summary: 'Ordered steps within a window: entered, conversion, drop-off, median time', tags, body: funnelBody } },
    async req => {
      const b = req.body;
      return funnelReport(omnis.db, workspaceOf(req), {
        steps: b.steps, windowMs: duration(b.window, 'window'), range: parseRange(b.from, b.to), breakdown: b.breakdown,
        segmentId: b.segmentId, includeProfiles: b.includeProfiles, maxProfiles: b.maxProfiles,
      });
    });

  app.post('/analytics/funnels/segment', {
    schema: {
      summary: 'Save who dropped off at a funnel step as a segment (a fixed list: its size is the drop-off count once the pipeline has caught up)',
      tags, body: saveDropOffsBody,
    },
  }, async (req, reply) => {
    const b = req.body;
    const saved = await saveDropOffs({
      db: omnis.db, now: () => omnis.clock.now(),
      createSegment: (ws, input) => omnis.segments.create(ws, input),
      append: (ws, events) => omnis.log.append(ws, events),
    }, workspaceOf(req), { steps: b.steps, windowMs: duration(b.window, 'window'), range: parseRange(b.from, b.to), segmentId: b.segmentId, step: b.step, name: b.name });
    return reply.status(201).send(saved);
  });

  app.get('/analytics/revenue', { schema: { summary: 'Conversions and revenue per day, week or month, by the channel they were recorded on', tags, querystring: revenueQuery } },
    async req => {
      const q = req.query;
      return revenueReport(omnis.db, workspaceOf(req), { range: parseRange(q.from, q.to), interval: q.interval, conversion: { event: q.event, value: q.value } });
    });

  app.get('/analytics/experiments/:journeyId', {
    schema: { summary: "A journey's split paths as an experiment: each arm against the holdout (or the first arm), lift with a 95% interval", tags, params: z.object({ journeyId: z.string().min(1).max(200) }) },
  }, async req => {
    const journey = await omnis.journeys.get(workspaceOf(req), req.params.journeyId);
    const stats = await journeyStats(omnis.db, journey.id);
    return { journeyId: journey.id, name: journey.name, overall: stats.conversions, ...experimentReport(stats.paths) };
  });

  app.post('/paths', { schema: { summary: 'Top paths to conversion, channel flows (Sankey), where journeys stall, start and end', tags, body: pathsBody } },
    async req => {
      const b = req.body;
      return pathReport(omnis.db, workspaceOf(req), {
        range: parseRange(b.from, b.to), lookbackMs: duration(b.lookback, 'lookback'), conversion: b.conversion, maxSteps: b.maxSteps, limit: b.limit,
      });
    });

  app.post('/spend', {
    bodyLimit: 20 * 1024 * 1024,
    schema: {
      summary: 'Import ad spend: JSON [{date, channel, amount, currency?, campaign?}], {"csv": "..."} or a text/csv body; a day, channel and campaign imported again is replaced',
      tags, body: spendBody,
    },
  }, async (req, reply) => {
    const b = req.body;
    const rows = typeof b === 'string' ? parseSpendCsv(b) : Array.isArray(b) ? parseSpendRows(b) : parseSpendCsv(b.csv);
    return reply.status(201).send(await importSpend(omnis.db, workspaceOf(req), rows, omnis.clock.now()));
  });
  app.get('/spend', { schema: { summary: 'Imported spend in a range', tags, querystring: z.object({ ...range, limit: z.coerce.number().int().min(1).max(10_000).default(1000) }) } },
    async req => ({ data: await listSpend(omnis.db, workspaceOf(req), parseRange(req.query.from, req.query.to), req.query.limit) }));
}
