import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './index.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { openPglite } from './pglite.ts';
import type { Db } from './types.ts';
import { RANDOM_PAGE_COST } from './planner.ts';

// One thread for the tests that need no fresh one: each opens in seconds (it compiles PGlite).
const shared = await openPgliteThread('memory://');
after(() => shared.close());
let tables = 0;
/** Runs fn on the shared thread with a fresh table named `t` in a schema of its own. */
const withThread = async (fn: (db: Db) => Promise<void>) => {
  const schema = `s${++tables}`;
  await shared.exec(`create schema ${schema}; set search_path = ${schema}`);
  await fn(shared);
};

test('PGlite thread: values come back as the calling thread would get them from PGlite itself', () => withThread(async db => {
  const [r] = await db.query<Record<string, unknown>>(
    `select 42::int as i, 'x''y'::text as t, $1::jsonb as j, $2::timestamptz as ts, null::text as n, array['a','b'] as arr, '\\x0102'::bytea as b, 2.5::numeric as m`,
    [JSON.stringify({ a: [1, { b: 'ü' }] }), new Date('2026-03-01T10:00:00Z')]);
  assert.equal(r.i, 42);
  assert.equal(r.t, "x'y");
  assert.deepEqual(r.j, { a: [1, { b: 'ü' }] });
  assert.ok(r.ts instanceof Date);
  assert.equal((r.ts as Date).toISOString(), '2026-03-01T10:00:00.000Z');
  assert.equal(r.n, null);
  assert.deepEqual(r.arr, ['a', 'b']);
  assert.deepEqual([...(r.b as Uint8Array)], [1, 2]);
  assert.equal(Number(r.m), 2.5);
}));

test('PGlite thread: a transaction commits, and one whose function throws rolls back and rethrows', () => withThread(async db => {
  await db.exec('create table t (id int primary key)');
  await db.transaction(async tx => { await tx.query('insert into t values (1)'); });
  await assert.rejects(db.transaction(async tx => { await tx.query('insert into t values (2)'); throw new Error('no thanks'); }), /no thanks/);
  assert.deepEqual((await db.query<{ id: number }>('select id from t order by id')).map(r => r.id), [1]);
}));

test('PGlite thread: a statement the caller did not await still runs inside its transaction, before the commit', () => withThread(async db => {
  await db.exec('create table t (id int primary key)');
  await db.transaction(async tx => { for (let i = 1; i <= 50; i++) void tx.query('insert into t values ($1)', [i]); });
  assert.equal((await db.query('select 1 from t')).length, 50);
  await assert.rejects(db.transaction(async tx => { for (let i = 51; i <= 100; i++) void tx.query('insert into t values ($1)', [i]); throw new Error('roll back'); }));
  assert.equal((await db.query('select 1 from t')).length, 50, 'the un-awaited inserts were rolled back with their transaction');
}));

test('PGlite thread: a Postgres error keeps its code and message; a statement outside a transaction waits for it', () => withThread(async db => {
  await db.exec('create table t (id int primary key)');
  await db.query('insert into t values (1)');
  const err = await db.query('insert into t values (1)').then(() => null, e => e as Error & { code?: string });
  assert.equal(err?.code, '23505');
  assert.match(err!.message, /duplicate key/);
  const order: string[] = [];
  await db.transaction(async tx => {
    const outside = db.query('select count(*)::int as c from t').then(r => { order.push(`outside saw ${(r[0] as { c: number }).c}`); });
    await tx.query('insert into t values (2)');
    order.push('tx inserted');
    void outside;
  });
  await new Promise(r => setTimeout(r, 50));
  assert.deepEqual(order, ['tx inserted', 'outside saw 2']);
}));

/** How many turns the calling thread's event loop takes while one long statement runs. */
async function turnsDuring(db: Db): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => { if (running) { turns++; setImmediate(spin); } };
  const q = db.query('select count(*) from generate_series(1, 3000000)');
  setImmediate(spin);
  await q;
  running = false;
  return turns;
}

test('PGlite thread: the calling thread keeps running while a long statement runs (in-process PGlite blocks it)', async () => {
  await withThread(async db => { assert.ok(await turnsDuring(db) > 20, 'the event loop turned during the statement'); });
  // The same measure on the in-process driver shows what the test would catch.
  const inProcess = await openPglite('memory://');
  try { assert.ok(await turnsDuring(inProcess) < 5); } finally { await inProcess.close(); }
});

test('PGlite thread: a data folder keeps its rows across a close and a reopen, and a closed store says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnis-thread-'));
  try {
    const a = await openStore({ dataDir: dir, databaseUrl: '', thread: true });
    await a.exec('create table t (v text)');
    await a.query('insert into t values ($1)', ['kept']);
    await a.close();
    await assert.rejects(a.query('select 1'), /PGlite thread/);
    const b = await openStore({ dataDir: dir, databaseUrl: '', thread: true });
    try { assert.deepEqual(await b.query('select v from t'), [{ v: 'kept' }]); } finally { await b.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("PGlite thread: its session prices random page reads as Omnis's other sessions do", async () => {
  const [{ v }] = await shared.query<{ v: string }>(`select current_setting('random_page_cost') as v`);
  assert.equal(Number(v), RANDOM_PAGE_COST);
});
