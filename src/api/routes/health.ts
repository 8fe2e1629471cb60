import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';

export async function healthRoutes(app: FastifyInstance, { omnis }: { omnis: Omnis }) {
  app.get('/api/v1/health', {
    schema: { summary: 'Liveness and pipeline lag', tags: ['system'], response: { 200: z.object({ status: z.literal('ok'), lag: z.number().int() }) } },
  }, async () => {
    await omnis.db.query('select 1');
    return { status: 'ok' as const, lag: await omnis.lag() };
  });
}
