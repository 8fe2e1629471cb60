import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from '../store/index.ts';
import { EventLog, Processor, type Stage } from '../bus/index.ts';
import { deleteProfile, findProfileId } from '../profiles/index.ts';
import { DefinitionCache, EventHistory, MembershipCache } from '../segments/index.ts';
import { JourneyCatalog } from '../journeys/index.ts';
import { ProfileCache } from '../profiles/index.ts';
import { VirtualClock, type OmnisEvent } from '../shared/index.ts';
import { WorkspaceSettings, ensureWorkspace, DEFAULT_WORKSPACE } from './workspaces.ts';
import { buildStages } from './pipeline.ts';

const WS = DEFAULT_WORKSPACE;
const track = (messageId: string, name: string, at: number): OmnisEvent => ({
  messageId, type: 'track', event: name, userId: 'forget-me', anonymousId: null, channel: 'web', timestamp: at, receivedAt: at,
  sourceId: null, properties: {}, traits: { email: 'forget@example.com' }, context: {},
});

forEachStore('right to be forgotten beside the pipeline', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); await ensureWorkspace(t.db, WS, 'Default'); });
  after(async () => { await t.close(); });

  test('a deletion made while a batch for the same customer is in flight leaves nothing of that batch behind', async () => {
    // On Postgres the two run on separate connections and race; on PGlite the one connection
    // serialises them, and the test checks that the deletion waits for the batch without deadlock.
    const clock = new VirtualClock(Date.parse('2026-03-01T10:00:00Z'));
    const profiles = new ProfileCache();
    const deps = { clock, settings: new WorkspaceSettings(t.db, clock), defs: new DefinitionCache(), catalog: new JourneyCatalog(), history: new EventHistory(1000), profiles, members: new MembershipCache() };
    // The batch holds its transaction open, after its writes, until the test lets it commit.
    let hold: Promise<void> | null = null, holding: () => void = () => {};
    const held = new Promise<void>(r => { holding = r; });
    const gate: Stage = async (_tx, _ws, events, ctx) => {
      if (hold) ctx.beforeCommit(async () => { holding(); await hold; });
      return events;
    };
    const processor = new Processor(t.db, [...buildStages(deps), gate], { caches: [profiles, deps.history, deps.members] });
    const log = new EventLog(t.db);
    log.onAppend(evs => processor.enqueue(evs));
    await processor.start();
    try {
      await log.append(WS, [track('f-1', 'Product Viewed', clock.now())]);
      await processor.idle();
      const id = await findProfileId(t.db, WS, 'user_id:forget-me');
      assert.ok(id);

      let release: () => void = () => {};
      hold = new Promise<void>(r => { release = r; });
      await log.append(WS, [track('f-2', 'Order Completed', clock.now() + 1000)]);
      await held;
      // The batch has written f-2 for the customer and not committed yet: now they ask to be forgotten.
      const deleting = deleteProfile(t.db, WS, id, clock);
      setTimeout(() => release(), 200);
      await deleting;
      hold = null;
      await processor.idle();

      const left = await t.db.query<{ what: string; n: number }>(
        `select 'events' as what, count(*)::int as n from events where user_id = 'forget-me'
         union all select 'profile_events', count(*)::int from profile_events where profile_id = $1
         union all select 'identities', count(*)::int from identities where value in ('forget-me', 'forget@example.com')
         union all select 'profiles', count(*)::int from profiles where id = $1`, [id]);
      assert.deepEqual(Object.fromEntries(left.map(r => [r.what, r.n])), { events: 0, profile_events: 0, identities: 0, profiles: 0 });

      // And the customer stays forgotten: a later event for their identifiers is dropped.
      await log.append(WS, [track('f-3', 'Product Viewed', clock.now() + 2000)]);
      await processor.idle();
      await assert.rejects(findProfileId(t.db, WS, 'user_id:forget-me'), /not found/);
    } finally { await processor.stop(); }
  });
});
