import type { FastifyInstance } from 'fastify';
import { messagePage } from './preferences.ts';

/** What the routes need from the messaging module's EmailTracking. */
export interface EmailTracker {
  open(token: string): Promise<boolean>;
  click(token: string): Promise<string | null>;
}

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const TOKEN = /^[A-Za-z0-9_-]{8,8000}\.[A-Za-z0-9_-]{8,200}$/;

/**
 * Public: the open pixel (/t/o/TOKEN) and click redirects (/t/c/TOKEN) that email sent
 * through SMTP carries. Tokens ride in a wildcard: they are longer than the router's limit on
 * parameters. The image is served whatever the token, so a mail client never shows a broken one.
 */
export async function trackingRoutes(fastify: FastifyInstance, { tracking }: { tracking: EmailTracker }) {
  const tags = ['tracking'];
  const tokenOf = (params: unknown) => String((params as Record<string, unknown>)['*'] ?? '');

  fastify.get('/t/o/*', { schema: { summary: 'Email open pixel: records "Email Opened" for the message', tags } }, async (req, reply) => {
    const token = tokenOf(req.params);
    if (TOKEN.test(token)) await tracking.open(token);
    return reply.header('cache-control', 'no-store, max-age=0').header('referrer-policy', 'no-referrer').type('image/gif').send(PIXEL);
  });

  fastify.get('/t/c/*', { schema: { summary: 'Email link redirect: records "Email Link Clicked", then redirects to the link', tags } }, async (req, reply) => {
    const token = tokenOf(req.params);
    const target = TOKEN.test(token) ? await tracking.click(token) : null;
    if (!target) {
      return reply.status(400).header('cache-control', 'no-store').type('text/html; charset=utf-8')
        .send(messagePage('This link is not valid', 'The link may have been cut short. Copy the whole link from the message and try again.'));
    }
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(target, 302);
  });
}
