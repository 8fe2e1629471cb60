/**
 * A test harness for the delivery features: a whole Omnis (pipeline, dispatcher) on a
 * throwaway store and a VirtualClock, the delivery module wired to it as the composition
 * root will, keys, and helpers to make profiles through the real ingest path.
 * Tests only; not exported by the module.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis, type OmnisOptions } from '../../app/index.ts';
import { errorHandler } from '../../api/index.ts';
import { createKey, type ApiKey } from '../../ingest/index.ts';
import { lookupIdentities } from '../../identity/index.ts';
import { findLiveProfile } from '../../profiles/index.ts';
import { OmnisError, VirtualClock, type OmnisEvent, type Profile } from '../../shared/index.ts';
import type { Db } from '../../store/index.ts';
import { openTestDb } from '../../testing/index.ts';
import { createDelivery, type Delivery, type DeliveryOptions } from './delivery.ts';

export * from './fixtures.ts';

export const WS = DEFAULT_WORKSPACE;
export const TEST_SECRET = 'delivery-test-secret-key-0123456789';
export const PUBLIC_URL = 'https://omnis.example';

export interface DeliveryHarness {
  db: Db;
  clock: VirtualClock;
  omnis: Omnis;
  delivery: Delivery;
  writeKey: string;
  adminKey: string;
  errors: unknown[];
  /** Tracks an identify (or any call) through ingest and waits for the pipeline; returns the profile id. */
  identify(body: Record<string, unknown>): Promise<string>;
  track(body: Record<string, unknown>): Promise<void>;
  profile(identifier: { type: string; value: string }): Promise<Profile | null>;
  /**
   * A bare server with just these routes, set up like the API's (zod, the error handler):
   * `routes` at the root, `admin` under /api/v1 behind the admin key. Independent of what
   * src/api/server.ts registers, so the tests hold before and after the delivery wiring.
   */
  serve(opts: { routes?: (app: FastifyInstance) => Promise<void>; admin?: (app: FastifyInstance) => Promise<void> }): Promise<FastifyInstance>;
  /** Every event of a name in the log, oldest first. */
  events(name: string): Promise<(OmnisEvent & { profileId: string | null })[]>;
  close(): Promise<void>;
}

export async function startDeliveryHarness(kind: 'pglite' | 'postgres', opts: Partial<Pick<DeliveryOptions, 'audienceSync'>> = {}): Promise<DeliveryHarness> {
  const t = await openTestDb(kind);
  const clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
  const errors: unknown[] = [];
  // Held in a variable, not a literal: `publicUrl` and `audienceSync` are the options the delivery
  // wiring adds to createOmnis (ignored before it): its own sync loop must not race the tests'.
  const options: OmnisOptions & { publicUrl: string; audienceSync: boolean } = {
    db: t.db, clock, secretKey: TEST_SECRET, logError: e => { errors.push(e); }, publicUrl: PUBLIC_URL, audienceSync: false,
  };
  const omnis = await createOmnis(options);
  await omnis.start();
  const delivery = createDelivery({
    db: t.db, clock, secretKey: TEST_SECRET, messaging: omnis.messaging, append: (ws, events) => omnis.log.append(ws, events),
    publicUrl: PUBLIC_URL, onError: e => { errors.push(e); }, audienceSync: { random: () => 0.5, ...opts.audienceSync },
  });
  const write = await createKey(t.db, { workspaceId: WS, kind: 'write', name: 'web', source: 'web', channel: 'web' });
  const admin = await createKey(t.db, { workspaceId: WS, kind: 'admin', name: 'test' });
  const key: ApiKey = await omnis.ingest.authenticate(`Basic ${Buffer.from(`${write.secret}:`).toString('base64')}`, undefined);
  const ingest = async (type: 'identify' | 'track', body: Record<string, unknown>) => {
    const r = await omnis.ingest.ingest(key, type, body);
    if (r.rejected.length) throw new Error(`rejected: ${JSON.stringify(r.rejected)}`);
    await omnis.idle();
  };
  const profile = async (id: { type: string; value: string }) => {
    const [hit] = await lookupIdentities(t.db, WS, [id]);
    return hit ? findLiveProfile(t.db, WS, hit.profile_id) : null;
  };
  return {
    db: t.db, clock, omnis, delivery, writeKey: write.secret, adminKey: admin.secret, errors,
    async identify(body) {
      await ingest('identify', body);
      const p = await profile(body.userId ? { type: 'user_id', value: String(body.userId) } : { type: 'anonymous_id', value: String(body.anonymousId) });
      if (!p) throw new Error('no profile after identify');
      return p.id;
    },
    track: body => ingest('track', body),
    async serve(o) {
      const app = Fastify({ logger: false });
      app.setValidatorCompiler(validatorCompiler);
      app.setSerializerCompiler(serializerCompiler);
      app.setErrorHandler(errorHandler);
      if (o.routes) await app.register(o.routes);
      if (o.admin) {
        const routes = o.admin;
        await app.register(async api => {
          api.addHook('onRequest', async req => {
            const secret = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
            const key = await omnis.keys.authenticate(secret, 'admin');
            if (!key) throw new OmnisError('unauthorized', 'admin key required');
            req.adminKey = key;
          });
          await routes(api);
        }, { prefix: '/api/v1' });
      }
      return app;
    },
    profile,
    async events(name) {
      const rows = await t.db.query<Record<string, unknown>>(
        `select e.*, pe.profile_id from events e left join profile_events pe on pe.seq = e.seq where e.workspace_id = $1 and e.name = $2 order by e.seq`, [WS, name]);
      return rows.map(r => {
        const body = (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as { properties?: OmnisEvent['properties']; context?: OmnisEvent['context'] };
        return {
          messageId: r.message_id as string, type: r.type as OmnisEvent['type'], event: r.name as string, userId: r.user_id as string | null,
          anonymousId: r.anonymous_id as string | null, channel: r.channel as string, timestamp: new Date(r.ts as string).getTime(),
          receivedAt: new Date(r.received_at as string).getTime(), properties: body.properties ?? {}, traits: {}, context: body.context ?? {},
          sourceId: r.source_id as string | null, profileId: (r.profile_id as string | null) ?? null,
        };
      });
    },
    async close() {
      await delivery.stop();
      await omnis.stop();
      await t.close();
    },
  };
}
