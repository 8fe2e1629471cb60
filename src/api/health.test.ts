import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis } from '../app/index.ts';
import { scheduleTimers } from '../bus/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { buildServer } from './server.ts';

forEachStore('health', kind => {
  let t: TestDb;
  let omnis: Omnis;
  let app: FastifyInstance;
  const clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
  // An API process without a pipeline: what it accepts and what falls due waits, and health says so.
  before(async () => {
    t = await openTestDb(kind);
    omnis = await createOmnis({ db: t.db, clock, worker: false, logError: e => { throw e; } });
    await omnis.start();
    app = await buildServer(omnis);
  });
  after(async () => { await app.close(); await omnis.stop(); await t.close(); });

  const health = async () => { const r = await app.inject({ method: 'GET', url: '/api/v1/health' }); assert.equal(r.statusCode, 200); return r.json(); };

  test('lag counts events accepted and not processed; timersDue counts timers due and not fired', async () => {
    assert.deepEqual(await health(), { status: 'ok', lag: 0, timersDue: 0 });
    const now = clock.now();
    await scheduleTimers(t.db, [
      { id: 'a', workspaceId: DEFAULT_WORKSPACE, profileId: 'p1', dueAt: now - 1000, kind: 'test' },
      { id: 'b', workspaceId: DEFAULT_WORKSPACE, profileId: 'p2', dueAt: now, kind: 'test' },
      { id: 'c', workspaceId: DEFAULT_WORKSPACE, profileId: 'p3', dueAt: now + 60_000, kind: 'test' },
    ]);
    await omnis.log.append(DEFAULT_WORKSPACE, [{
      messageId: 'h1', type: 'track', event: 'Viewed', userId: 'u1', anonymousId: null, channel: 'web', timestamp: now, receivedAt: now,
      sourceId: null, properties: {}, traits: {}, context: {},
    }]);
    assert.deepEqual(await health(), { status: 'ok', lag: 1, timersDue: 2 });
    clock.advance(60_000);
    assert.equal((await health()).timersDue, 3);
  });
});
