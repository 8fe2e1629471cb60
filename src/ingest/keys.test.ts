import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { migrate, type Queryable } from '../store/index.ts';
import { createKey, KeyCache } from './keys.ts';

const WS = 'default';
const TTL = 2000;
const STALE = 10_000;

forEachStore('write key cache', kind => {
  let t: TestDb;
  let clock: VirtualClock;
  /** The statements the cache ran: the real database, counted. */
  let lookups = 0;
  let counted: Queryable;
  before(async () => {
    t = await openTestDb(kind);
    await migrate(t.db);
    await t.db.query(`insert into workspaces (id, name) values ($1, 'keys') on conflict do nothing`, [WS]);
    counted = { query: (sql, params) => { lookups++; return t.db.query(sql, params); } };
  });
  after(async () => { await t.close(); });

  /**
   * Holds api_keys until the returned release is called: an exclusive lock on Postgres, and on
   * PGlite the one connection itself. Either way no lookup can answer meanwhile.
   */
  async function holdKeys(): Promise<() => Promise<void>> {
    let release!: () => void;
    const gate = new Promise<void>(r => { release = r; });
    let locked!: () => void;
    const isLocked = new Promise<void>(r => { locked = r; });
    const done = t.db.transaction(async tx => {
      await tx.query('lock table api_keys in access exclusive mode');
      locked();
      await gate;
    });
    await isLocked;
    return async () => { release(); await done; };
  }

  /** Whether a promise has settled after the event loop has turned a few times (a cached answer needs no I/O). */
  async function settledSoon(p: Promise<unknown>): Promise<boolean> {
    let settled = false;
    void p.then(() => { settled = true; }, () => { settled = true; });
    for (let i = 0; i < 5; i++) await new Promise(r => setImmediate(r));
    return settled;
  }

  const revokeElsewhere = (id: string) => t.db.query('update api_keys set revoked_at = now() where id = $1', [id]);

  test('past its ttl a known key is answered at once while one lookup refreshes it; a revocation elsewhere lands with that lookup', async () => {
    clock = new VirtualClock(Date.UTC(2026, 10, 1));
    const keys = new KeyCache(counted, clock, TTL, STALE);
    const { key, secret } = await createKey(t.db, { workspaceId: WS, kind: 'write', source: 'web', channel: 'web' });
    lookups = 0;
    assert.equal((await keys.authenticate(secret, 'write'))?.id, key.id);
    assert.equal(lookups, 1, 'a key not seen before is looked up');
    assert.equal((await keys.authenticate(secret, 'write'))?.id, key.id);
    assert.equal(lookups, 1, 'within the ttl it is not looked up again');

    await revokeElsewhere(key.id);
    clock.advance(TTL + 1);
    const release = await holdKeys();
    let refreshed: Promise<unknown>;
    try {
      // The database cannot answer: the requests past the ttl are answered from the cache, and share one lookup.
      const answers = Array.from({ length: 5 }, () => keys.authenticate(secret, 'write'));
      refreshed = Promise.all(answers);
      assert.equal(await settledSoon(refreshed), true, 'a known key past its ttl must not wait for the database');
      for (const a of await Promise.all(answers)) assert.equal(a?.id, key.id);
      assert.equal(lookups, 2, 'one refresh for the five requests');
    } finally { await release(); }
    // The refresh read the revocation: once it has answered, the key is refused.
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) {
      refused = (await keys.authenticate(secret, 'write')) === null;
      if (!refused) await sleep(10);
    }
    assert.ok(refused, 'the revocation lands once the refresh has answered');
    assert.equal(lookups, 2, 'no further lookup within the ttl of the refresh');
  });

  test('a key not seen before, or not refreshed for the stale limit, waits for its lookup', async () => {
    clock = new VirtualClock(Date.UTC(2026, 10, 1));
    const keys = new KeyCache(counted, clock, TTL, STALE);
    const { key, secret } = await createKey(t.db, { workspaceId: WS, kind: 'write', source: 'app', channel: 'app' });
    let release = await holdKeys();
    let first: Promise<unknown>;
    try {
      first = keys.authenticate(secret, 'write');
      assert.equal(await settledSoon(first), false, 'a key never seen is not answered before the database says so');
    } finally { await release(); }
    assert.equal(((await first) as { id: string } | null)?.id, key.id);

    await revokeElsewhere(key.id);
    clock.advance(STALE + 1);
    release = await holdKeys();
    let late: Promise<unknown>;
    try {
      late = keys.authenticate(secret, 'write');
      assert.equal(await settledSoon(late), false, 'past the stale limit the cached answer is not used');
    } finally { await release(); }
    assert.equal(await late, null, 'and the lookup it waited for refuses the revoked key');
  });

  test('concurrent requests for a new key share one lookup; unknown keys are refused and cached too', async () => {
    clock = new VirtualClock(Date.UTC(2026, 10, 1));
    const keys = new KeyCache(counted, clock, TTL, STALE);
    const { key, secret } = await createKey(t.db, { workspaceId: WS, kind: 'write', source: 'pos', channel: 'pos' });
    lookups = 0;
    const all = await Promise.all(Array.from({ length: 10 }, () => keys.authenticate(secret, 'write')));
    assert.deepEqual(all.map(k => k?.id), Array(10).fill(key.id));
    assert.equal(lookups, 1);
    assert.equal(await keys.authenticate('wk_doesnotexist000000000', 'write'), null);
    assert.equal(await keys.authenticate('wk_doesnotexist000000000', 'write'), null);
    assert.equal(lookups, 2, 'an unknown key is looked up once within the ttl');
    assert.equal(await keys.authenticate(secret, 'admin'), null, 'a write key does not open the management API');
  });

  test('a lookup begun before invalidate() does not put back what it read', async () => {
    clock = new VirtualClock(Date.UTC(2026, 10, 1));
    const keys = new KeyCache(counted, clock, TTL, STALE);
    const { key, secret } = await createKey(t.db, { workspaceId: WS, kind: 'write', source: 'server', channel: 'web' });
    assert.equal((await keys.authenticate(secret, 'write'))?.id, key.id);
    clock.advance(TTL + 1);
    const release = await holdKeys();
    let during: Promise<unknown>;
    try {
      // A refresh starts and waits for the database; meanwhile this process drops its cache (as revoking through it does).
      during = keys.authenticate(secret, 'write');
      keys.invalidate();
    } finally { await release(); }
    assert.equal(((await during) as { id: string } | null)?.id, key.id);
    // The old refresh answers now, with the row as it was; then the key is revoked elsewhere.
    await sleep(50);
    await revokeElsewhere(key.id);
    assert.equal(await keys.authenticate(secret, 'write'), null, 'the next request reads afresh, not what the old refresh read');
  });

  test('an unknown secret past the ttl waits for its lookup, so a key created elsewhere meanwhile is let in', async () => {
    clock = new VirtualClock(Date.UTC(2026, 10, 1));
    const keys = new KeyCache(counted, clock, TTL, STALE);
    const secret = 'wk_createdelsewhere000000001';
    assert.equal(await keys.authenticate(secret, 'write'), null);
    const { key } = await createKey(t.db, { workspaceId: WS, kind: 'write', source: 'kiosk', channel: 'pos', secret });
    assert.equal(await keys.authenticate(secret, 'write'), null, 'within the ttl the refusal is cached');
    clock.advance(TTL + 1);
    assert.equal((await keys.authenticate(secret, 'write'))?.id, key.id);
  });
});
