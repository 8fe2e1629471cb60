import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from '../store/index.ts';
import type { OmnisEvent } from '../shared/index.ts';
import { EventLog, type Appended } from './log.ts';
import { AcceptJournal } from './journal.ts';
import { eventToInsert } from './rows.ts';

const ev = (messageId: string, extra: Partial<OmnisEvent> = {}): OmnisEvent => ({
  messageId, type: 'track', event: 'Tick', userId: 'u1', anonymousId: null, previousId: null, groupId: null, channel: 'web',
  timestamp: Date.parse('2026-03-01T10:00:00Z'), receivedAt: Date.parse('2026-03-01T10:00:01Z'), sourceId: 'k1',
  properties: { n: 1, quote: 'a "b" \\ c' }, traits: {}, context: {}, ...extra,
});

forEachStore('the accept journal', kind => {
  let t: TestDb;
  let dir: string;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });
  const fresh = () => { dir = mkdtempSync(join(tmpdir(), 'omnis-journal-')); return dir; };
  const logged = async (prefix: string) => (await t.db.query<{ message_id: string; seq: number }>(
    `select message_id, seq from events where message_id like $1 order by seq`, [`${prefix}%`])).map(r => r.message_id);
  const position = async () => Number((await t.db.query<{ position: number }>(`select position from accept_journal where id = 'accept'`))[0]?.position ?? 0);
  const open = async (log = new EventLog(t.db), opts = {}) => { const j = new AcceptJournal(dir, t.db, log, opts); await j.open(); return j; };

  test('accepted events reach the log in order, once each, with the events the listeners are told about', async () => {
    fresh();
    const log = new EventLog(t.db);
    const told: Appended[] = [];
    log.onAppend(es => told.push(...es));
    const j = await open(log);
    try {
      await Promise.all([j.accept('default', [ev('a-1'), ev('a-2')]), j.accept('default', [ev('a-3')])]);
      await j.accept('default', [ev('a-2'), ev('a-4', { properties: { deep: { x: [1, 'y'] } } })]);
      await j.drained();
      assert.equal(j.pending(), 0);
      // What health's lag counts: journaled, answered, not yet in the log.
      await j.accept('default', [ev('a-5'), ev('a-6')]);
      assert.equal(j.pending(), 2);
      await j.drained();
      assert.equal(j.pending(), 0);
      assert.deepEqual(await logged('a-'), ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6'], 'the repeated a-2 is stored once');
      assert.deepEqual(told.map(e => e.messageId), ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6']);
      const a1 = told[0];
      assert.equal(a1.workspaceId, 'default');
      assert.deepEqual(a1.properties, { n: 1, quote: 'a "b" \\ c' });
      assert.equal(a1.timestamp, Date.parse('2026-03-01T10:00:00Z'));
      assert.deepEqual(told[3].properties, { deep: { x: [1, 'y'] } });
      assert.ok(told.every((e, i) => i === 0 || e.seq > told[i - 1].seq));
      const files = readdirSync(dir);
      assert.equal(await position(), files.reduce((n, f) => n + statSync(join(dir, f)).size, 0), 'the moved position is the journal\'s end');
    } finally { await j.close(); rmSync(dir, { recursive: true, force: true }); }
  });

  test('after a crash, lines journaled but not moved are moved on open, a torn last line is cut, and moved lines are never moved again', async () => {
    fresh();
    const j1 = await open();
    await j1.accept('default', [ev('b-1')]);
    await j1.drained();
    await j1.close();
    const start = await position();
    // What a crash leaves: two answered lines after the moved position, and the torn start of a third.
    const name = readdirSync(dir)[0];
    const file = join(dir, name);
    const base = Number(name.slice(0, 16)); // positions run on across journals of this database
    const lines = [[ev('b-2'), ev('b-3')], [ev('b-4')]].map(es => JSON.stringify(es.map(e => eventToInsert('default', e))) + '\n').join('');
    writeFileSync(file, readFileSync(file, 'utf8') + lines + '[{"w":"default","m":"b-torn"');
    // A moved event deleted since (a forgotten customer's) must not come back.
    await t.db.query(`delete from events where message_id = 'b-1'`);
    const j2 = await open();
    try {
      assert.deepEqual(await logged('b-'), ['b-2', 'b-3', 'b-4']);
      assert.equal(await position(), start + Buffer.byteLength(lines));
      assert.equal(base + statSync(file).size, start + Buffer.byteLength(lines), 'the torn line was cut');
      await j2.accept('default', [ev('b-5')]);
      await j2.drained();
      assert.deepEqual(await logged('b-'), ['b-2', 'b-3', 'b-4', 'b-5']);
    } finally { await j2.close(); rmSync(dir, { recursive: true, force: true }); }
  });

  test('a line longer than one move reads is still moved whole, and moves split between lines', async () => {
    fresh();
    // Each line is about 250 bytes; a move reads 100 at first, so it must read on to the line's end.
    const j = await open(undefined, { moveBytes: 100 });
    try {
      await j.accept('default', [ev('d-1'), ev('d-2')]);
      await j.accept('default', [ev('d-3')]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([j.drained(), new Promise((_, no) => { timer = setTimeout(() => no(new Error('the long lines never reached the log')), 10_000); })]);
      clearTimeout(timer);
      assert.deepEqual(await logged('d-'), ['d-1', 'd-2', 'd-3']);
      assert.equal(j.pending(), 0);
    } finally { await j.close(); rmSync(dir, { recursive: true, force: true }); }
  });

  test('closing moves what was accepted into the log before it returns', async () => {
    fresh();
    const j = await open();
    try {
      await j.accept('default', [ev('e-1')]);
    } finally { await j.close(); }
    try {
      assert.deepEqual(await logged('e-'), ['e-1']);
      await assert.rejects(j.accept('default', [ev('e-2')]), /the accept journal is closed/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('segments roll past their size, are read in order across the boundary, and are deleted once moved', async () => {
    fresh();
    const j = await open(undefined, { segmentBytes: 600, moveBytes: 700 });
    try {
      for (let i = 0; i < 12; i++) await j.accept('default', [ev(`c-${String(i).padStart(2, '0')}`)]);
      await j.drained();
      assert.deepEqual(await logged('c-'), Array.from({ length: 12 }, (_, i) => `c-${String(i).padStart(2, '0')}`));
      const left = readdirSync(dir);
      assert.equal(left.length, 1, `only the segment being written is kept (${left.join(', ')})`);
      assert.ok(Number(left[0].slice(0, 16)) > 0, 'it begins where the earlier ones ended');
    } finally { await j.close(); }
    const again = await open();
    try {
      await again.accept('default', [ev('c-12')]);
      await again.drained();
      assert.equal((await logged('c-')).length, 13);
    } finally { await again.close(); }
    // A new database beside the old journal: what the journal still holds is moved, and new accepts follow.
    await t.db.exec(`delete from accept_journal; delete from events where message_id like 'c-%'`);
    const reborn = await open();
    try {
      await reborn.accept('default', [ev('c-13')]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reborn.drained(), new Promise((_, no) => { timer = setTimeout(() => no(new Error('the new accept never reached the log')), 10_000); })]);
      clearTimeout(timer);
      const got = await logged('c-');
      assert.equal(got[got.length - 1], 'c-13');
      assert.ok(got.includes('c-12'), 'the segment the journal kept was moved again');
    } finally { await reborn.close(); rmSync(dir, { recursive: true, force: true }); }
  });
});
