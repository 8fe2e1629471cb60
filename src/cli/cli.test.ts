import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/index.ts';
import { openStore, type Db } from '../store/index.ts';
import { buildProgram } from './program.ts';
import type { Command } from 'commander';

describe('the omnis command', () => {
  let dir: string;
  let env: Record<string, string>;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'omnis-cli-')); env = { OMNIS_DATA_DIR: join(dir, 'data'), DATABASE_URL: '' }; });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every command has --help', async () => {
    // The real binary for the top level and for attribution (which parses its own flags and
    // prints its own help); every other command through the same program, in this process.
    for (const args of [['--help'], ['attribution', '--help']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: omnis/, args.join(' '));
    }
    for (const args of [['serve', '--help'], ['import', '--help'], ['keys', '--help'], ['keys', 'create', '--help'], ['migrate', '--help'], ['simulate', '--help']]) {
      let out = '';
      const program = buildProgram();
      // Every command, subcommands too, throws instead of exiting and writes here instead of stdout.
      const capture = (c: Command) => { c.exitOverride().configureOutput({ writeOut: s => { out += s; } }); c.commands.forEach(capture); };
      capture(program);
      await assert.rejects(program.parseAsync(['node', 'omnis', ...args]), (e: { exitCode?: number; code?: string }) => e.exitCode === 0 && e.code === 'commander.helpDisplayed', args.join(' '));
      assert.match(out, new RegExp(`Usage: omnis ${args.slice(0, -1).join(' ')} `), args.join(' '));
    }
  });

  test('serve refuses a bad OMNIS_ACCEPT_JOURNAL before opening anything, naming the setting; other commands ignore it; a bad OMNIS_PG_PREPARED_STATEMENTS is named', async () => {
    const bad = await runCli(['serve', '--port', '0'], { ...env, OMNIS_ACCEPT_JOURNAL: 'yes' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /OMNIS_ACCEPT_JOURNAL: must be 0 or 1, got "yes"/);
    const pg = await runCli(['serve', '--port', '0'], { ...env, OMNIS_ACCEPT_JOURNAL: '1', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    assert.equal(pg.code, 2);
    assert.match(pg.stderr, /OMNIS_ACCEPT_JOURNAL: applies to embedded storage only/);
    // The journal is the server's: a one-off command opens the data folder as usual.
    const m = await runCli(['migrate'], { ...env, OMNIS_DATA_DIR: join(dir, 'journal-ignored'), OMNIS_ACCEPT_JOURNAL: 'yes' });
    assert.equal(m.code, 0, m.stderr);
    const prep = await runCli(['keys', 'list'], { ...env, DATABASE_URL: 'postgres://127.0.0.1:1/none', OMNIS_PG_PREPARED_STATEMENTS: 'off' });
    assert.equal(prep.code, 2);
    assert.match(prep.stderr, /^omnis: OMNIS_PG_PREPARED_STATEMENTS: must be 0 or 1, got "off"\n$/);
  });

  test('migrate, then keys create, list and revoke', async () => {
    const m = await runCli(['migrate'], env);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /applied 001 customer_data_core/);
    const c = await runCli(['keys', 'create', '--kind', 'write', '--source', 'pos', '--name', 'NYC showroom'], env);
    assert.equal(c.code, 0, c.stderr);
    const secret = c.stdout.trim();
    assert.match(secret, /^wk_[A-Za-z0-9]{24}$/);
    const l = await runCli(['keys', 'list', '--json'], env);
    const keys = JSON.parse(l.stdout) as { id: string; source: string; channel: string; revokedAt: number | null }[];
    const k = keys.find(x => x.source === 'pos')!;
    assert.equal(k.channel, 'pos');
    assert.ok(!l.stdout.includes(secret), 'secrets are never listed');
    const r = await runCli(['keys', 'revoke', k.id], env);
    assert.equal(r.code, 0);
    const l2 = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as typeof keys;
    assert.ok(l2.find(x => x.id === k.id)!.revokedAt);
    const bad = await runCli(['keys', 'create', '--kind', 'superuser'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--kind must be write or admin/);
  });

  test('import: JSON Lines of Segment events and a POS CSV, with rejected rows reported', async () => {
    const jsonl = join(dir, 'events.jsonl');
    writeFileSync(jsonl, [
      JSON.stringify({ type: 'identify', userId: 'imp-1', traits: { email: 'imp1@example.com' }, messageId: 'imp-a' }),
      JSON.stringify({ type: 'track', userId: 'imp-1', event: 'Order Completed', properties: { total: 10 }, messageId: 'imp-b' }),
      '{"type": "track", "event": "No ids"}',
      'not json',
      JSON.stringify({ type: 'track', userId: 'imp-1', event: 'Order Completed', properties: { total: 10 }, messageId: 'imp-b' }),
    ].join('\n'));
    const r = await runCli(['import', jsonl], env);
    assert.equal(r.code, 1, 'exit 1 when rows were rejected');
    assert.match(r.stdout, /5 rows: 2 imported, 1 duplicates skipped, 2 rejected/);
    assert.match(r.stdout, /row 3: userId: every event needs a userId or an anonymousId/);
    assert.match(r.stdout, /row 4: line: malformed JSON/);

    const csv = join(dir, 'orders.csv');
    writeFileSync(csv, 'Order ID,Cust No,E-mail,Placed,Amount,Store\nO-1,C-77,IMP1@example.com,2026-02-03,899.00,NYC\nO-2,,,2026-02-04,10,NYC\nO-3,C-78,,yesterday,5,NYC\n');
    const o = await runCli(['import', csv, '--kind', 'orders', '--map', 'Cust No=id:pos_customer_id', '--map', 'E-mail=email', '--map', 'Placed=timestamp', '--map', 'Amount=property:total'], env);
    assert.match(o.stdout, /3 rows: 1 imported, 0 duplicates skipped, 2 rejected/, o.stdout + o.stderr);
    assert.match(o.stdout, /row 3: row 3: no identifier/);
    assert.match(o.stdout, /row 4: Placed: not a date/);
    const badMap = await runCli(['import', csv, '--map', 'x=nowhere'], env);
    assert.equal(badMap.code, 2);
    assert.match(badMap.stderr, /unknown target "nowhere"/);

    const db: Db = await openStore({ dataDir: env.OMNIS_DATA_DIR, databaseUrl: '' });
    try {
      const rows = await db.query<{ profile_id: string; channel: string; name: string; ts: Date }>(`select pe.profile_id, e.channel, e.name, e.ts from events e join profile_events pe on pe.seq = e.seq where e.name = 'Order Completed' order by e.seq`);
      assert.equal(rows.length, 2);
      assert.equal(rows[0].profile_id, rows[1].profile_id, 'the POS order joined the online customer by email');
      assert.equal(rows[1].channel, 'pos');
      assert.equal(rows[1].ts.toISOString(), '2026-02-03T00:00:00.000Z');
    } finally { await db.close(); }
  });
});
