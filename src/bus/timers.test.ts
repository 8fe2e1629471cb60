import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate, type Db } from '../store/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { Processor } from './processor.ts';
import type { Stage } from './stage.ts';
import { TimerLoop, scheduleTimers } from './timers.ts';
import { EventLog } from './log.ts';

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise(r => setTimeout(r, 2));
  assert.ok(ok(), what);
};

forEachStore('the timer loop wakes for what the pipeline schedules', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  test('a batch that scheduled nothing, or only later timers, costs the loop no look; a sooner timer wakes it and fires', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    // Counts the loop's looks at the table.
    let looks = 0;
    const counted: Db = { ...t.db, query: (sql, params) => { if (sql.includes('min(due_at)')) looks++; return t.db.query(sql, params); } };
    // A "Remind" event schedules a timer for its profile, due after properties.inMs.
    const timers: string[] = [];
    const remind: Stage = async (tx, ws, events) => {
      for (const e of events) if (e.event === '$timer') timers.push(`${e.properties.timerId}@${e.profileId ?? e.context.profileId}`);
      const due = events.filter(e => e.event === 'Remind').map(e => ({
        id: `t-${e.messageId}`, workspaceId: ws, profileId: 'p1', dueAt: clock.now() + Number(e.properties.inMs), kind: 'test',
      }));
      await scheduleTimers(tx, due);
      return events;
    };
    const processor = new Processor(t.db, [remind]);
    const fired: number[] = [];
    const loop = new TimerLoop(counted, clock, async now => { const n = await processor.fireTimers(now); if (n) fired.push(n); return n; }, e => { throw e; });
    const pokes: number[] = [];
    processor.onCommitted = due => { pokes.push(due); loop.poke(due); };
    const log = new EventLog(t.db);
    log.onAppend(evs => processor.enqueue(evs));
    const ev = (messageId: string, event: string, inMs = 0) => ({
      messageId, type: 'track' as const, event, userId: 'u1', anonymousId: null, channel: 'web', timestamp: start, receivedAt: start,
      sourceId: null, properties: { inMs }, traits: {}, context: {},
    });
    await processor.start();
    loop.start();
    try {
      await until('the loop looks once and sleeps', () => looks === 1);
      await new Promise(r => setTimeout(r, 20));
      const settled = looks;

      await log.append('w', [ev('a', 'Page')]);
      await processor.idle();
      await log.append('w', [ev('b', 'Remind', 3_600_000)]);
      await processor.idle();
      await new Promise(r => setTimeout(r, 20));
      assert.deepEqual(pokes, [Infinity, start + 3_600_000], 'each batch tells the loop its earliest timer');
      // The loop sleeps at most a second of the clock; an hour away is later than that.
      assert.equal(looks, settled, 'no look for a batch without timers, nor for a timer later than the loop wakes anyway');

      await log.append('w', [ev('c', 'Remind', 500)]);
      await processor.idle();
      await until('a timer sooner than the loop sleeps for wakes it', () => looks === settled + 1);
      assert.deepEqual(fired, []);
      clock.advance(500);
      await until('the timer fires when it falls due', () => fired.length === 1);
      assert.deepEqual(timers, ['t-c@p1'], 'the stages saw it as a $timer event pinned to its profile');
      const [{ n, left }] = await t.db.query<{ n: number; left: number }>(
        `select (select count(*)::int from events where name = '$timer') as n, (select count(*)::int from timers where id = 't-c') as left`);
      assert.deepEqual({ n, left }, { n: 0, left: 0 }, 'the timer row is gone, and nothing was written to the log for it');
    } finally {
      await loop.stop();
      await processor.stop();
    }
  });
});
