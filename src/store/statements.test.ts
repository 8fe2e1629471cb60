import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StatementNames, preparedStatementsSetting } from './statements.ts';
import { randomBytes } from 'node:crypto';
import { postgresProblem, TEST_PG_URL } from '../testing/index.ts';
import { openStore } from './index.ts';

test('StatementNames: a statement is named from its second use, under one name, within the limits', () => {
  const n = new StatementNames(2, 4);
  assert.equal(n.nameFor('select 1'), undefined, 'run once: unnamed');
  const name = n.nameFor('select 1');
  assert.match(name!, /^omnis_0_[0-9a-f]{20}$/);
  assert.equal(n.nameFor('select 1'), name);
  n.nameFor('select 2');
  const other = n.nameFor('select 2');
  assert.ok(other && other !== name);
  n.nameFor('select 3');
  assert.equal(n.nameFor('select 3'), undefined, 'past maxNames nothing more is named');
  n.nameFor('select 4');
  n.nameFor('select 5');
  n.nameFor('select 5');
  assert.equal(n.nameFor('select 5'), undefined, 'past maxCounted new texts are not even counted');

  n.schemaChanged(name!);
  assert.equal(n.nameFor('select 1'), undefined, 'after a schema change, counted afresh');
  const renamed = n.nameFor('select 1');
  assert.match(renamed!, /^omnis_1_/);
  assert.notEqual(renamed, name, 'under a new name, so no connection runs the stale one');
  n.schemaChanged(other!);
  assert.equal(n.nameFor('select 1'), renamed, 'a refusal of an older name, still in flight, starts no further generation');
  n.nameFor('select 5');
  assert.ok(n.nameFor('select 5'), 'the limits start afresh too');
});

test('OMNIS_PG_PREPARED_STATEMENTS: unset or 1 prepares, 0 does not, anything else is refused by name', () => {
  assert.equal(preparedStatementsSetting({}), true);
  assert.equal(preparedStatementsSetting({ OMNIS_PG_PREPARED_STATEMENTS: '1' }), true);
  assert.equal(preparedStatementsSetting({ OMNIS_PG_PREPARED_STATEMENTS: '0' }), false);
  assert.throws(() => preparedStatementsSetting({ OMNIS_PG_PREPARED_STATEMENTS: 'off' }), /OMNIS_PG_PREPARED_STATEMENTS: must be 0 or 1, got "off"/);
});

describe('prepared statements on Postgres', { skip: postgresProblem && !process.env.CI ? `Postgres unreachable: ${postgresProblem}` : false }, () => {
  test('a repeated statement is prepared once per connection; a schema change under it is survived', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    // One connection, so which statements it holds prepared is known.
    const db = await openStore({ databaseUrl: TEST_PG_URL, schema, poolSize: 1 });
    try {
      await db.exec('create table items (id int primary key, label text)');
      await db.query('insert into items values ($1, $2)', [1, 'one']);
      const read = 'select * from items where id = $1';
      for (let i = 0; i < 3; i++) assert.deepEqual(await db.query(read, [1]), [{ id: 1, label: 'one' }]);
      const inTx = 'select * from items where id = $1 and label is not null';
      const other = 'select * from items where id = $1 and id > 0';
      for (let i = 0; i < 3; i++) await db.transaction(async tx => [await tx.query(inTx, [1]), await tx.query(other, [1])]);
      const prepared = await db.query<{ statement: string }>('select statement from pg_prepared_statements order by statement');
      assert.deepEqual(prepared.map(p => p.statement), [read, other, inTx], 'each prepared once, on first naming');

      // What `select *` returns changes under the prepared statements (a migration run by another process).
      await db.exec('alter table items add column note text');
      // Within a transaction the error has aborted it, and reaches the caller...
      await assert.rejects(db.transaction(tx => tx.query(inTx, [1])), /cached plan must not change result type/);
      // ...whose retry succeeds, and no other statement prepared before the change is refused.
      assert.deepEqual(await db.transaction(tx => tx.query(inTx, [1])), [{ id: 1, label: 'one', note: null }]);
      assert.deepEqual(await db.transaction(tx => tx.query(other, [1])), [{ id: 1, label: 'one', note: null }]);
      for (let i = 0; i < 3; i++) assert.deepEqual(await db.query(read, [1]), [{ id: 1, label: 'one', note: null }]);

      // Outside a transaction, a statement met stale is run again at once.
      await db.exec('alter table items add column extra int');
      assert.deepEqual(await db.query(read, [1]), [{ id: 1, label: 'one', note: null, extra: null }]);
    } finally {
      await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await db.close();
    }
  });

  test('with prepared statements off (a pooler that cannot keep them) nothing is prepared, and the setting reaches other threads', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const db = await openStore({ databaseUrl: TEST_PG_URL, schema, poolSize: 1, preparedStatements: false });
    try {
      for (let i = 0; i < 3; i++) await db.query('select $1::int as n', [i]);
      assert.deepEqual(await db.query('select name from pg_prepared_statements'), []);
      assert.equal(db.connection?.preparedStatements, false, 'what a pipeline thread opens its own connections with');
    } finally {
      await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await db.close();
    }
  });
});
