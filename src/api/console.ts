import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

const isApi = (url: string) => url.startsWith('/api/') || url.startsWith('/v1/') || url === '/api';

/**
 * Serves the built console at `/`. Any other GET that is not an API path gets index.html,
 * so deep links (/journeys/abc) load the app, which then routes on the client.
 * Hashed assets are cached for good; index.html never, so a new build is picked up. The
 * build leaves brotli and gzip copies beside each asset, sent to browsers that accept them.
 */
export async function consoleRoutes(app: FastifyInstance, { root = CONSOLE_DIR }: { root?: string } = {}) {
  const built = existsSync(join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root, prefix: '/', wildcard: false, index: false, preCompressed: true,
      setHeaders: (res, path) => { res.header('cache-control', path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'); },
    });
    app.get('/assets/*', { schema: { hide: true } }, (req, reply) => reply.sendFile(`assets/${(req.params as { '*': string })['*']}`));
  }
  const page = (req: FastifyRequest, reply: FastifyReply) => {
    if (!built) return reply.status(503).type('text/plain').send('The console is not built. Run `npm run build:web` (npm start does it for you).');
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/', { schema: { hide: true } }, page);
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !isApi(req.url) && !/\.[a-z0-9]+$/i.test(req.url.split('?')[0])) return page(req, reply);
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
