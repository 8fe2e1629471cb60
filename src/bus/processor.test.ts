import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate, type Tx } from '../store/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { EventLog } from './log.ts';
import { Processor, backlogAfter } from './processor.ts';
import type { Stage } from './stage.ts';
import { scheduleTimers } from './timers.ts';

const ev = (messageId: string, event: string, depth = 0): OmnisEvent => ({
  messageId, type: 'track', event, userId: 'u1', anonymousId: null, channel: 'internal', timestamp: 1_000, receivedAt: 1_000,
  sourceId: 'internal', properties: { depth }, traits: {}, context: {},
});

forEachStore('the processor runs emitted events through the stages', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  test('in the transaction that emitted them, once; a chain past the inline rounds goes through the log, once', async () => {
    // Each event seen by the first stage is recorded with its transaction; a "Chain" event
    // emits the next link until depth 11, past the rounds a batch runs itself (8).
    const seen: { messageId: string; tx: Tx }[] = [];
    const chain: Stage = async (tx, ws, events, ctx) => {
      for (const e of events) seen.push({ messageId: e.messageId, tx });
      const next = events.filter(e => e.event === 'Chain' && Number(e.properties.depth) < 11)
        .map(e => ev(`chain-${Number(e.properties.depth) + 1}`, 'Chain', Number(e.properties.depth) + 1));
      await ctx.emit(ws, next);
      return events;
    };
    const later: string[] = [];
    const last: Stage = async (_tx, _ws, events) => { later.push(...events.map(e => e.messageId)); return events; };
    const processor = new Processor(t.db, [chain, last]);
    const log = new EventLog(t.db);
    log.onAppend(evs => processor.enqueue(evs));
    await processor.start();
    try {
      await log.append('w', [ev('chain-0', 'Chain'), ev('plain', 'Page')]);
      await processor.idle();
      const ids = Array.from({ length: 12 }, (_, i) => `chain-${i}`);
      assert.deepEqual(seen.map(s => s.messageId).sort(), [...ids, 'plain'].sort(), 'every event once');
      assert.deepEqual(later.slice().sort(), [...ids, 'plain'].sort(), 'emitted events reach the later stages too');
      // chain-0 came from the log; its batch ran chain-1 … chain-8 (8 rounds of emitted events)
      // and wrote chain-9 to the log, whose batch ran chain-10 and chain-11 itself.
      const txOf = (id: string) => seen.find(s => s.messageId === id)!.tx;
      for (let i = 1; i <= 8; i++) assert.equal(txOf(`chain-${i}`), txOf('chain-0'), `chain-${i} in the batch that emitted it`);
      assert.notEqual(txOf('chain-9'), txOf('chain-0'));
      assert.equal(txOf('chain-11'), txOf('chain-9'));
      const rows = await t.db.query<{ message_id: string; inline: boolean | null }>(
        `select message_id, processed_inline as inline from events where message_id like 'chain-%' order by seq`);
      assert.deepEqual(rows.map(r => `${r.message_id}:${r.inline === true}`), ids.map((id, i) => `${id}:${i !== 0 && i !== 9}`));
    } finally { await processor.stop(); }

    // A new processor (a restart) finds nothing left to do: no emitted event is processed twice.
    assert.equal(await backlogAfter(t.db), 0);
    const again = new Processor(t.db, [chain, last]);
    seen.length = 0;
    await again.start();
    try {
      await again.idle();
      assert.deepEqual(seen, []);
    } finally { await again.stop(); }
  });

  test('a job saved while the jobs run is not lost: the poke during the run makes them run again', async () => {
    const runs: number[] = [];
    // The first run finds nothing, and a job is saved (pokeJobs) before that run ends.
    const job = async () => { runs.push(runs.length + 1); if (runs.length === 1) processor.pokeJobs(); return false; };
    const processor = new Processor(t.db, [], { jobs: [job] });
    await processor.start();
    try {
      const until = Date.now() + 5000;
      while (runs.length < 2 && Date.now() < until) await new Promise(r => setTimeout(r, 10));
      assert.deepEqual(runs, [1, 2]);
    } finally { await processor.stop(); }
  });

  test('due timers fire in chunks between batches, each once, inside the transaction that deletes them; one that fails alone is dead-lettered', async () => {
    await t.db.query('delete from timers');
    const at = 1_000_000;
    // 2,500 timers due, one later, and one whose stage fails every time.
    await scheduleTimers(t.db, [
      ...Array.from({ length: 2500 }, (_, i) => ({ id: `due-${i}`, workspaceId: i % 2 ? 'w' : 'w2', profileId: `p${i}`, dueAt: at - i, kind: 'test', payload: { n: i } })),
      { id: 'later', workspaceId: 'w', profileId: 'p', dueAt: at + 1, kind: 'test' },
      { id: 'bad', workspaceId: 'w', profileId: 'p', dueAt: at, kind: 'test' },
    ]);
    const seen: string[] = [];
    const txs = new Set<Tx>();
    let failOnce = true;
    const stage: Stage = async (tx, ws, events) => {
      for (const e of events) {
        if (e.properties.timerId === 'bad') throw new Error('bad timer');
        // A failure the first time round (a lost connection, say) rolls the chunk back; its timers fire on the retry.
        if (e.properties.timerId === 'due-7' && failOnce) { failOnce = false; throw new Error('transient'); }
      }
      for (const e of events) { seen.push(`${ws}:${e.properties.timerId}:${e.context.profileId}:${e.properties.n ?? ''}`); txs.add(tx); }
      return events;
    };
    const errors: unknown[] = [];
    const processor = new Processor(t.db, [stage], { batchSize: 1000, onError: e => errors.push(e) });
    await processor.start();
    try {
      assert.equal(await processor.fireTimers(at), 2501, 'every due timer, the failing one included, was taken');
      assert.equal(await processor.fireTimers(at), 0, 'none fires twice');
    } finally { await processor.stop(); }
    assert.equal(seen.length, 2500);
    assert.equal(new Set(seen).size, 2500);
    assert.ok(seen.includes('w:due-7:p7:7') && seen.includes('w2:due-0:p0:0'), 'each with its workspace, profile and payload');
    assert.ok(txs.size >= 3, 'in chunks of at most the batch size');
    const rows = await t.db.query<{ id: string }>('select id from timers order by id');
    assert.deepEqual(rows.map(r => r.id), ['later']);
    const [dead] = await t.db.query<{ message_id: string; error: string; row: { timer: { id: string } } }>(`select message_id, error, row from dead_events where message_id like 'timer:bad:%'`);
    assert.equal(dead.row.timer.id, 'bad');
    assert.match(dead.error, /bad timer/);
    const [{ n }] = await t.db.query<{ n: number }>(`select count(*)::int as n from events where name = '$timer'`);
    assert.equal(n, 0, 'nothing written to the log');
    assert.ok(errors.length >= 2);
  });

  test('an event appended while a crowd of timers drains waits for one chunk of them at most', async () => {
    await t.db.query('delete from timers');
    await scheduleTimers(t.db, Array.from({ length: 3500 }, (_, i) => ({ id: `drain-${i}`, workspaceId: 'w', profileId: `p${i}`, dueAt: 1, kind: 'test' })));
    const chunks = new Set<Tx>();
    let chunksWhenAccepted = -1, chunksBeforeEvent = -1;
    const stage: Stage = async (tx, _ws, events) => {
      if (events.some(e => e.event === '$timer')) chunks.add(tx);
      if (events.some(e => e.messageId === 'live')) chunksBeforeEvent = chunks.size;
      return events;
    };
    const processor = new Processor(t.db, [stage], { batchSize: 1000 });
    const log = new EventLog(t.db);
    log.onAppend(evs => { chunksWhenAccepted = chunks.size; processor.enqueue(evs); });
    await processor.start();
    try {
      const firing = processor.fireTimers(10);
      await log.append('w', [ev('live', 'Page')]);
      assert.equal(await firing, 3500);
      await processor.idle();
    } finally { await processor.stop(); }
    assert.equal(chunks.size, 4, 'chunks of 1,000');
    // Processed after the chunk under way (or, on PGlite's one connection, already waiting for it)
    // when the event was accepted: not after one more, nor after the whole crowd.
    const waited = chunksBeforeEvent - chunksWhenAccepted;
    assert.ok(chunksWhenAccepted >= 0 && waited >= 0 && waited <= 1, `accepted after ${chunksWhenAccepted} chunks, processed after ${chunksBeforeEvent}`);
  });

  test('when taking the due timers fails, firing fails (the timer loop backs off) and the timers stay', async () => {
    await t.db.query('delete from timers');
    await scheduleTimers(t.db, [{ id: 'stays', workspaceId: 'w', profileId: 'p', dueAt: 1, kind: 'test' }]);
    const broken = new Error('connection lost');
    const failing = { ...t.db, transaction: <T>(fn: (tx: Tx) => Promise<T>) => t.db.transaction(tx => fn({ ...tx, query: (sql: string, params?: unknown[]) => (sql.includes('delete from timers') ? Promise.reject(broken) : tx.query(sql, params as never)) } as Tx)) };
    const processor = new Processor(failing, []);
    await processor.start();
    try {
      await assert.rejects(processor.fireTimers(10), /connection lost/);
    } finally { await processor.stop(); }
    const [{ n }] = await t.db.query<{ n: number }>(`select count(*)::int as n from timers where id = 'stays'`);
    assert.equal(n, 1);
  });

  test('a stopped processor fires nothing: its timers stay rows', async () => {
    await t.db.query('delete from timers');
    await scheduleTimers(t.db, [{ id: 'idle', workspaceId: 'w', profileId: 'p', dueAt: 1, kind: 'test' }]);
    const processor = new Processor(t.db, []);
    assert.equal(await processor.fireTimers(10), 0);
    const [{ n }] = await t.db.query<{ n: number }>(`select count(*)::int as n from timers where id = 'idle'`);
    assert.equal(n, 1);
  });
});
