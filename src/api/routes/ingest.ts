import type { FastifyInstance } from 'fastify';
import { decodeBody, LIMITS } from '../../ingest/index.ts';
import type { Omnis } from '../../app/index.ts';
import type { EventType } from '../../shared/index.ts';

const TYPES: EventType[] = ['identify', 'track', 'page', 'screen', 'group', 'alias'];

/**
 * Segment's HTTP tracking API. Real SDKs send JSON under odd content types and gzip, so
 * this plugin takes every body as raw bytes and decodes it itself.
 */
export async function ingestRoutes(app: FastifyInstance, { omnis }: { omnis: Omnis }) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: LIMITS.batchBytes }, (_req, body, done) => done(null, body));

  const handle = (type: EventType | null) => async (req: { headers: Record<string, string | string[] | undefined>; body: unknown }) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const enc = req.headers['content-encoding'];
    const body = decodeBody(raw, Array.isArray(enc) ? enc[0] : enc);
    const key = await omnis.ingest.authenticate(req.headers.authorization as string | undefined, body);
    return omnis.ingest.ingest(key, type, body);
  };
  const schema = (summary: string) => ({
    summary, tags: ['tracking'],
    description: 'Segment-compatible. Auth: Basic base64("writeKey:") or writeKey in the body. Answers 200 {accepted, rejected[{index, messageId, error}]}; 400 malformed JSON, 401 bad key, 413 oversized, 429 over the rate limit (Retry-After).',
  });
  for (const t of TYPES) app.post(`/v1/${t}`, { schema: schema(`Segment ${t} call`) }, handle(t));
  app.post('/v1/batch', { schema: schema('Segment batch of calls') }, handle(null));
}
