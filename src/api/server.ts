import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import cookie from '@fastify/cookie';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Omnis } from '../app/index.ts';
import { LIMITS } from '../ingest/index.ts';
import { errorHandler } from './errors.ts';
import { managementAuth } from './auth.ts';
import { authRoutes } from './routes/auth.ts';
import { userRoutes } from './routes/users.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { healthRoutes } from './routes/health.ts';
import { profileRoutes } from './routes/profiles.ts';
import { keyRoutes } from './routes/keys.ts';
import { segmentRoutes } from './routes/segments.ts';
import { journeyRoutes } from './routes/journeys.ts';
import { templateRoutes } from './routes/templates.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { messagingRoutes } from './routes/messaging.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { preferenceAdminRoutes, preferenceRoutes } from './routes/preferences.ts';
import { trackingRoutes } from './routes/tracking.ts';
import { audienceRoutes, inappRoutes } from './routes/inapp.ts';
import { consoleRoutes } from './console.ts';

export interface ServerOptions {
  logger?: boolean;
  /** Extra management routes (under /api/v1, admin-authenticated) from later modules. */
  plugins?: ((app: FastifyInstance, opts: { omnis: Omnis }) => Promise<void>)[];
  /** Serve this messaging module's routes instead of the app's (tests with their own providers). */
  messaging?: Omnis['messaging'];
  /** Where the built console lives (default web/dist). */
  consoleDir?: string;
}

export async function buildServer(omnis: Omnis, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: LIMITS.batchBytes, forceCloseConnections: true, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // Actions like POST /journeys/{id}/publish carry no body, yet clients still send a JSON
  // content type; an empty body is no body. Anything else goes through Fastify's own parser
  // (which refuses __proto__ and constructor.prototype keys).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => (body === '' ? done(null, undefined) : json(req, body as string, done)));

  await app.register(swagger, {
    openapi: {
      info: { title: 'Omnis API', version: '1', description: 'Tracking API (Segment-compatible, write keys) and management API (admin keys as Bearer).' },
      components: {
        securitySchemes: {
          admin: { type: 'http', scheme: 'bearer' }, writeKey: { type: 'http', scheme: 'basic' },
          session: { type: 'apiKey', in: 'cookie', name: 'omnis_session', description: 'console sign-in (POST /api/v1/auth/login); requests that change something also send x-csrf-token' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  await app.register(cookie);
  await app.register(ingestRoutes, { omnis });
  await app.register(healthRoutes, { omnis });
  await app.register(webhookRoutes, { feedback: omnis.delivery.feedback });
  await app.register(preferenceRoutes, { preferences: omnis.delivery.preferences });
  await app.register(trackingRoutes, { tracking: omnis.delivery.tracking });
  await app.register(inappRoutes, { inapp: omnis.delivery.inapp, authenticate: (auth, body) => omnis.ingest.authenticate(auth, body) });
  await app.register(authRoutes, { users: omnis.users, prefix: '/api/v1' });
  await app.register(async api => {
    api.addHook('onRequest', managementAuth(omnis.keys, omnis.users));
    await api.register(userRoutes, { users: omnis.users });
    await api.register(profileRoutes, { omnis });
    await api.register(keyRoutes, { omnis });
    await api.register(segmentRoutes, { omnis });
    await api.register(journeyRoutes, { omnis });
    await api.register(templateRoutes, { omnis });
    await api.register(analyticsRoutes, { omnis });
    await api.register(async a => messagingRoutes(a, { messaging: opts.messaging ?? omnis.messaging }));
    await api.register(audienceRoutes, { audiences: omnis.delivery.audiences });
    await api.register(preferenceAdminRoutes, { preferences: omnis.delivery.preferences });
    for (const p of opts.plugins ?? []) await api.register(p, { omnis });
  }, { prefix: '/api/v1' });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(consoleRoutes, { root: opts.consoleDir });
  return app;
}
