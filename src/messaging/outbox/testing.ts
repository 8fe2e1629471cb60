/**
 * A test harness for the outbox: a migrated throwaway store, a VirtualClock, profiles and
 * templates held in maps (what the profiles and templates modules will provide), a policy
 * answering from a map, and every emitted event kept. Tests only; not exported by the module.
 */
import assert from 'node:assert/strict';
import { migrate, type Db } from '../../store/index.ts';
import { VirtualClock, type ConsentEntry, type OmnisEvent } from '../../shared/index.ts';
import { openTestDb, type TestDb } from '../../testing/index.ts';
import type { Template } from '../templates/index.ts';
import { createMessaging, type Messaging, type MessagingOptions } from './create.ts';
import type { MessageWithHistory } from './list.ts';
import type { EnqueueInput, MessagingProfile, OutboxMessage, PolicyDecision } from './types.ts';

export const WS = 'ws_test';
export const SECRET_KEY = 'test-secret-key-0123456789abcdef';

export interface Harness {
  db: Db;
  clock: VirtualClock;
  messaging: Messaging;
  profiles: Map<string, MessagingProfile>;
  /** By `${key}:${channel}`. */
  templates: Map<string, Template>;
  /** Policy answers by message idempotency key; absent means send. */
  policy: Map<string, PolicyDecision>;
  policyCalls: OutboxMessage[];
  /** Every template read, as `${key}:${channel}`. */
  templateLoads: string[];
  /** The profile ids of every recipients' read, one list per read. */
  profileLoads: string[][];
  emitted: OmnisEvent[];
  errors: unknown[];
  enqueue(over: Partial<EnqueueInput> & { idempotencyKey: string }): Promise<string>;
  message(id: string): Promise<MessageWithHistory>;
  /** Runs the dispatcher, jumping the clock to each next due message, until none is due within `horizonMs`. */
  drain(horizonMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type HarnessOptions = Partial<Pick<MessagingOptions, 'providers' | 'fetch' | 'dispatcher' | 'noIdempotency'>> & { db?: Db; clock?: VirtualClock };

export async function openHarness(kind: 'pglite' | 'postgres', opts: HarnessOptions = {}): Promise<Harness & { testDb: TestDb | null }> {
  const testDb = opts.db ? null : await openTestDb(kind);
  const db = opts.db ?? testDb!.db;
  await migrate(db);
  const clock = opts.clock ?? new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
  const profiles = new Map<string, MessagingProfile>();
  const templates = new Map<string, Template>(defaultTemplates().map(t => [`${t.key}:${t.channel}`, t]));
  const policy = new Map<string, PolicyDecision>();
  const policyCalls: OutboxMessage[] = [];
  const templateLoads: string[] = [];
  const profileLoads: string[][] = [];
  const emitted: OmnisEvent[] = [];
  const errors: unknown[] = [];
  const messaging = createMessaging({
    db, clock, secretKey: SECRET_KEY, providers: opts.providers, fetch: opts.fetch, noIdempotency: opts.noIdempotency,
    loadTemplate: async (_ws, key, channel) => { templateLoads.push(`${key}:${channel}`); return templates.get(`${key}:${channel}`) ?? null; },
    loadProfiles: async (_ws, ids) => { profileLoads.push(ids); return new Map(ids.flatMap(id => { const p = profiles.get(id); return p ? [[id, p] as const] : []; })); },
    policy: async (_tx, round) => round.map(({ message: m }) => { policyCalls.push(m); return policy.get(m.idempotencyKey) ?? { action: 'send' }; }),
    emit: (_ws, events) => { emitted.push(...events); },
    dispatcher: { random: () => 0.5, ...opts.dispatcher },
    onError: err => errors.push(err),
  });
  const h: Harness & { testDb: TestDb | null } = {
    db, clock, messaging, profiles, templates, policy, policyCalls, templateLoads, profileLoads, emitted, errors, testDb,
    async enqueue(over) {
      return (await messaging.enqueue(db, { workspaceId: WS, profileId: 'p1', channel: 'email', templateKey: 'welcome', ...over })).id;
    },
    async message(id) {
      const m = await messaging.get(WS, id);
      assert.ok(m, `message ${id} exists`);
      return m;
    },
    async drain(horizonMs = 8 * 24 * 3600_000) {
      const until = clock.now() + horizonMs;
      for (let i = 0; i < 10_000; i++) {
        await messaging.dispatcher.runOnce();
        const next = await messaging.dispatcher.nextDueAt();
        if (next === null || next > until) return;
        clock.set(next);
      }
      assert.fail('drain did not settle');
    },
    async close() {
      await messaging.stop();
      await testDb?.close();
    },
  };
  return h;
}

export const granted = (at = 0): ConsentEntry => ({ status: 'granted', at, source: 'test' });
export const denied = (at = 0): ConsentEntry => ({ status: 'denied', at, source: 'test' });

/** A profile reachable on email, sms, push and direct mail, with consent where given. */
export function profile(consent: Record<string, ConsentEntry> = {}, over: Partial<MessagingProfile> = {}): MessagingProfile {
  return {
    traits: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', address: { street: '185 Berry St', city: 'San Francisco', state: 'CA', postalCode: '94107', country: 'US' } },
    computed: { ltv: 120 },
    consent,
    channels: { email: { address: 'ada@example.com', reachable: true }, sms: { phone: '+15559990000', reachable: true }, push: { tokens: ['tok-1'], reachable: true } },
    timezone: 'America/Los_Angeles',
    locale: 'en',
    ...over,
  };
}

function defaultTemplates(): Template[] {
  return [
    { key: 'welcome', channel: 'email', subject: 'Welcome {{ profile.traits.firstName }}', html: '<p>Hi {{ profile.traits.firstName }}, code {{ offer.code }}</p>' },
    { key: 'welcome', channel: 'sms', body: 'Hi {{ profile.traits.firstName }}: {{ offer.code }}' },
    { key: 'welcome', channel: 'push', title: 'Hi', body: 'Hello {{ profile.traits.firstName }}' },
    { key: 'letter', channel: 'direct_mail', html: '<html><body>Dear {{ profile.traits.firstName }}</body></html>' },
  ];
}
