import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Omnis } from '../../app/index.ts';

export async function healthRoutes(app: FastifyInstance, { omnis }: { omnis: Omnis }) {
  app.get('/api/v1/health', {
    schema: {
      summary: 'Liveness and pipeline lag', tags: ['system'],
      description: '`lag`: events accepted and not yet processed. `timersDue`: timers (journey waits, segment windows) due and not yet fired, counted up to 100,000.',
      response: { 200: z.object({ status: z.literal('ok'), lag: z.number().int(), timersDue: z.number().int() }) },
    },
  }, async () => {
    const [lag, timersDue] = await Promise.all([omnis.lag(), omnis.timersDue()]);
    return { status: 'ok' as const, lag, timersDue };
  });
}
