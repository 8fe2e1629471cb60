import type { Db, Queryable } from '../store/index.ts';
import { migrate, openStore } from '../store/index.ts';
import { AcceptJournal, EventLog, ThreadedProcessor, backlogAfter, cancelTimersOf, countDueTimers } from '../bus/index.ts';
import { IngestService, KeyCache } from '../ingest/index.ts';
import { systemClock, type Clock } from '../shared/index.ts';
import { WorkspaceSettings, ensureWorkspace, DEFAULT_WORKSPACE } from './workspaces.ts';
import { buildPipeline } from './pipeline.ts';
import { SegmentService, forgetMembers, membershipsOfProfiles } from '../segments/index.ts';
import { JourneyService, endRunsOfForgotten, runsOfProfiles } from '../journeys/index.ts';
import { createDelivery, createMessaging, eraseMessages, forgetAudienceMembers, audienceMembershipsOf, messagesOfProfiles, DEFAULT_PUBLIC_URL, TemplateStore, trackEmail, unsubscribeHeaders, type MessagingProfile } from '../messaging/index.ts';
import type { Identity, JsonObject, Profile } from '../shared/index.ts';
import { UserService, type UserServiceOptions } from '../users/index.ts';
import { deleteProfile, exportProfile, LIVE_PROFILES_OF_IDS, type EraseProfiles } from '../profiles/index.ts';

export interface OmnisOptions {
  db: Db;
  clock?: Clock;
  /** Run the pipeline in this process (default true; a pure API process in cluster mode sets false). */
  worker?: boolean;
  /**
   * Embedded mode: a folder for the accept journal. Tracking requests are answered once their
   * events are in it, without waiting for PGlite's one connection (see bus/journal.ts). Default:
   * none; accepted events go straight into the log.
   */
  journalDir?: string;
  /**
   * Where the pipeline runs: 'thread' (its own thread with Postgres; with PGlite on its own
   * thread, that thread) or 'inline'. Default: thread on the system clock where one of those
   * is there, inline otherwise (in-process PGlite is single-threaded, and a virtual clock must
   * drive the pipeline it controls).
   */
  pipeline?: 'thread' | 'inline';
  /** Default events/s per write key. */
  rateLimit?: number;
  batchSize?: number;
  /** Entries a journey run's trail keeps before the oldest are folded into per-step counts (default TRAIL_CAP); null keeps all, as the simulator does. */
  trailCap?: number | null;
  logError?: (e: unknown) => void;
  /** Seals channel secrets at rest (OMNIS_SECRET_KEY). */
  secretKey?: string;
  /** Outbound HTTP for providers; tests point it at local servers. */
  fetch?: typeof fetch;
  /** Run the outbox dispatcher in this process (default: with the pipeline). */
  dispatcher?: boolean;
  /** The URL the world reaches this server at, for unsubscribe links and webhook signatures. Default OMNIS_PUBLIC_URL, else http://127.0.0.1:3000. */
  publicUrl?: string;
  /** Run the ad-audience sync loop in this process (default: with the dispatcher). Run it in one process only. */
  audienceSync?: boolean;
  /** Console sign-in: session lifetimes and the failed-sign-in throttle (defaults: 12 h idle, 7 days, 5 failures per 15 min). */
  users?: UserServiceOptions;
}

/**
 * The composition root: builds every module with its dependencies passed in. Nothing in
 * the domain reaches for a global; tests build an Omnis on a VirtualClock and a throwaway
 * database with the same call production uses.
 */
export async function createOmnis(opts: OmnisOptions) {
  const { db } = opts;
  const clock = opts.clock ?? systemClock;
  // A trim keeps half the cap: under 2 it would keep nothing.
  if (opts.trailCap != null && !(Number.isInteger(opts.trailCap) && opts.trailCap >= 2)) throw new Error(`trailCap must be an integer of at least 2, or null; got ${opts.trailCap}`);
  // 0 would read nothing forever; a fraction or NaN would reach the log's LIMIT as an SQL error at every batch.
  if (opts.batchSize != null && !(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new Error(`batchSize must be an integer of at least 1; got ${opts.batchSize}`);
  await migrate(db);
  await ensureWorkspace(db, DEFAULT_WORKSPACE, 'Default workspace');
  const settings = new WorkspaceSettings(db, clock);
  const keys = new KeyCache(db, clock);
  // On Postgres the log appends on a connection of its own (appends are serialised, so one is
  // enough): on the shared pool, tracking requests waited behind the dispatcher's sends and the
  // management API for a free connection. At 1,000 events/s with 50 live journeys sending, the
  // HTTP p99 was 188-316 ms with the shared pool and 115-143 ms with this one.
  const appendDb = db.connection ? await openStore({ ...db.connection, poolSize: 1 }) : null;
  const log = new EventLog(appendDb ?? db);
  const onError = opts.logError ?? (e => console.error('pipeline:', e));
  // PGlite has one connection, on this thread or its own: smaller batches keep each stretch the
  // pipeline holds it short, so requests are answered between them. With the accept journal,
  // tracking requests no longer wait for that connection, and the pipeline takes batches as on
  // Postgres: end to end 9,318-10,348 events/s with 250, 10,209-11,333 with 2,000, accept p99
  // the same (11.9-16.3 against 10.9-13.2 ms).
  const batchSize = opts.batchSize ?? (db.kind === 'pglite' && !opts.journalDir ? 250 : 2000);
  const threadData = { batchSize, trailCap: opts.trailCap };
  const canThread = Boolean(db.connection || db.startGuest);
  const threaded = (opts.pipeline ?? (canThread && clock === systemClock ? 'thread' : 'inline')) === 'thread';
  if (threaded && !canThread) throw new Error('the threaded pipeline needs a Postgres server, or PGlite on its own thread');
  const processor = !threaded ? buildPipeline(db, clock, settings, { batchSize, trailCap: opts.trailCap, onError })
    // PGlite on its own thread: the pipeline runs there, beside the database, so its statements cross no thread.
    : db.startGuest ? new ThreadedProcessor(() => db.startGuest!(new URL('./pipeline-guest.ts', import.meta.url), threadData), onError)
    : ThreadedProcessor.onWorker(new URL('./pipeline-worker.mjs', import.meta.url), { ...db.connection, ...threadData }, onError);
  const worker = opts.worker ?? true;
  if (worker) log.onAppend(events => processor.enqueue(events));
  const journal = opts.journalDir ? new AcceptJournal(opts.journalDir, db, log, { onError }) : null;
  const ingest = new IngestService({ accept: journal ? (ws, events) => journal.accept(ws, events) : (ws, events) => log.append(ws, events), keys, clock, defaultRateLimit: opts.rateLimit });
  const segments = new SegmentService(db, clock, () => processor.pokeJobs());
  const templates = new TemplateStore(db, clock);
  const journeys = new JourneyService(db, clock, (ws, key, channel) => templates.exists(ws, key, channel));
  // `omnis serve` always passes one (from OMNIS_SECRET_KEY or the data folder); the fallback serves tests and tools.
  const secretKey = opts.secretKey ?? process.env.OMNIS_SECRET_KEY ?? 'omnis-test-secret-key';
  const publicUrl = opts.publicUrl ?? process.env.OMNIS_PUBLIC_URL ?? DEFAULT_PUBLIC_URL;
  const messaging = createMessaging({
    db, clock, fetch: opts.fetch, secretKey,
    headersFor: m => unsubscribeHeaders(publicUrl, secretKey, m),
    decorate: (m, content) => trackEmail(publicUrl, secretKey, m, content),
    loadTemplate: (ws, key, channel, locale) => templates.load(ws, key, channel, locale),
    loadProfiles: (ws, profileIds) => loadMessagingProfiles(db, ws, profileIds),
    policy: (tx, round, now) => journeys.checkAtSend(tx, round.map(({ message, profile }) => ({ m: message, timezone: profile.timezone })), now),
    // Delivery and engagement facts go back through the log like any event, pinned to their profile.
    emit: async (ws, events) => { await log.append(ws, events); },
    onError: e => onError(e),
  });
  const runDispatcher = opts.dispatcher ?? worker;
  const delivery = createDelivery({ db, clock, secretKey, messaging, publicUrl, append: (ws, events) => log.append(ws, events), onError: e => onError(e) });
  const runAudienceSync = opts.audienceSync ?? runDispatcher;
  const users = new UserService(db, clock, opts.users);

  return {
    db, clock, settings, keys, log, processor, ingest, segments, templates, journeys, messaging, delivery, users,
    async start() {
      await journal?.open();
      if (worker) await processor.start();
      if (runDispatcher) await messaging.start();
      if (runAudienceSync) delivery.start();
    },
    /**
     * Right to be forgotten: the profile (events, identities, traits; identifiers suppressed)
     * and what every module holds about the customer: messages, segment memberships, timers;
     * their journey runs end, and their ad-audience memberships close (the removal is still
     * sent to the platforms).
     */
    forget: (workspaceId: string, profileId: string) => deleteProfile(db, workspaceId, profileId, clock, eraseEverywhere),
    /** Right of access: the profile, its events and merges, and what every module holds about the customer. */
    exportProfile: (workspaceId: string, profileId: string) => exportProfile(db, workspaceId, profileId, clock, heldEverywhere),
    /** Waits until every accepted event has gone through the pipeline. */
    async idle() { await journal?.drained(); await processor.idle(); },
    /**
     * Fires due timers and due messages (after a virtual clock moved) and waits until the
     * pipeline has processed everything that followed, feedback included.
     */
    async settle() {
      for (let i = 0; i < 50; i++) {
        await processor.settle();
        const sent = runDispatcher ? await messaging.dispatcher.runOnce() : 0;
        if (!sent) { await processor.idle(); return; }
      }
    },
    async lag(): Promise<number> {
      return (journal?.pending() ?? 0) + (worker ? processor.lag() : await backlogAfter(db));
    },
    /** Timers due and not fired yet (journey waits, segment windows): the pipeline's other backlog. */
    timersDue: () => countDueTimers(db, clock.now()),
    async stop() {
      await journal?.close();
      if (runAudienceSync) await delivery.stop();
      if (runDispatcher) await messaging.stop();
      await processor.stop();
      await appendDb?.close();
    },
  };
}

export type Omnis = Awaited<ReturnType<typeof createOmnis>>;

const heldEverywhere = async (q: Queryable, workspaceId: string, ids: string[]) => ({
  messages: await messagesOfProfiles(q, workspaceId, ids),
  journeyRuns: await runsOfProfiles(q, ids),
  segments: await membershipsOfProfiles(q, ids),
  audiences: await audienceMembershipsOf(q, workspaceId, ids),
});

const eraseEverywhere: EraseProfiles = async (tx, workspaceId, ids, now) => {
  await forgetAudienceMembers(tx, workspaceId, ids, now);
  await eraseMessages(tx, ids);
  await endRunsOfForgotten(tx, ids, now);
  await cancelTimersOf(tx, ids);
  await forgetMembers(tx, ids);
};

/** What the outbox reads about its recipients at send time, for a round of messages at once; keyed by the ids asked (merged-away ones read their survivor). Only the workspace's own. */
async function loadMessagingProfiles(db: Db, workspaceId: string, profileIds: string[]): Promise<Map<string, MessagingProfile>> {
  const rows = await db.query<{ asked: string; traits: JsonObject; computed: JsonObject; consent: Profile['consent']; channels: Profile['channels']; timezone: string | null; identities: Identity[] }>(
    `select m.asked, p.traits, p.computed, p.consent, p.channels, p.timezone,
            coalesce((select json_agg(json_build_object('type', i.type, 'value', i.value)) from identities i where i.profile_id = p.id), '[]') as identities
       from ${LIVE_PROFILES_OF_IDS}`, [profileIds, workspaceId]);
  return new Map(rows.map(p => [p.asked, {
    traits: p.traits, computed: p.computed, consent: p.consent, channels: p.channels, timezone: p.timezone,
    locale: typeof p.traits.locale === 'string' ? p.traits.locale : null, identities: p.identities,
  }]));
}
