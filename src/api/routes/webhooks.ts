import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** What the routes need from the messaging module's FeedbackService. */
export interface WebhookReceiver {
  webhook(workspaceId: string, provider: string, req: { headers: Record<string, string | string[] | undefined>; rawBody: Buffer; query: Record<string, string>; url: string }): Promise<object>;
  handshake(workspaceId: string, provider: string, query: Record<string, string | undefined>): Promise<string | null>;
}

const params = z.object({
  provider: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a provider name like "sendgrid" or "twilio"'),
  workspaceId: z.string().min(1).max(200),
});

/** Repeated query parameters keep their first value; providers never repeat theirs. */
function flatQuery(q: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((q ?? {}) as Record<string, unknown>)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/**
 * Provider webhooks, public: no admin key. Each request is authenticated by the provider's
 * own signature (SendGrid ECDSA, Twilio HMAC-SHA1 over the public URL, Meta
 * X-Hub-Signature-256, Lob HMAC), checked with the secret of the workspace's channel
 * configured with that provider. Bodies are taken raw: signatures cover the exact bytes.
 */
export async function webhookRoutes(fastify: FastifyInstance, { feedback }: { feedback: WebhookReceiver }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  const tags = ['webhooks'];

  app.post('/webhooks/:provider/:workspaceId', {
    schema: {
      summary: 'Delivery and engagement webhooks from a provider (SendGrid, Twilio, Messenger, WhatsApp, Lob)', tags, params,
      description: 'Set this URL at the provider, e.g. https://omnis.example/webhooks/sendgrid/default. Answers 200 {events, messages, people, ignored}; 401 bad signature; 404 no channel uses that provider in the workspace.',
    },
  }, async req => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return feedback.webhook(req.params.workspaceId, req.params.provider, { headers: req.headers, rawBody, query: flatQuery(req.query), url: req.url });
  });

  app.get('/webhooks/:provider/:workspaceId', {
    schema: { summary: 'Meta webhook verification (hub.mode=subscribe, hub.verify_token, hub.challenge)', tags, params },
  }, async (req, reply) => {
    const challenge = await feedback.handshake(req.params.workspaceId, req.params.provider, flatQuery(req.query));
    if (challenge === null) return reply.status(403).type('text/plain').send('verification failed');
    return reply.type('text/plain').send(challenge);
  });
}
