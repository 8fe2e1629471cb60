import pg from 'pg';
import type { Db, Tx } from './types.ts';
import { RANDOM_PAGE_COST, RANDOM_PAGE_COST_SOURCE_SQL } from './planner.ts';
import { StatementNames, isStalePlan } from './statements.ts';

// int8 (counts, sequence numbers) fit a JS number in this domain; numeric is used for money.
pg.types.setTypeParser(20, v => Number(v));
pg.types.setTypeParser(1700, v => Number(v));

/** The planner settings Omnis's connections start with: its random page cost, unless the server, database or role sets one. */
async function plannerOptions(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const [row] = (await c.query<{ source: string }>(RANDOM_PAGE_COST_SOURCE_SQL)).rows;
    return row?.source === 'default' ? ` -c random_page_cost=${RANDOM_PAGE_COST}` : '';
  } finally { await c.end(); }
}

export async function openPostgres(url: string, schema = 'public', poolSize = 8, preparedStatements = true): Promise<Db> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, options: `-c search_path=${schema}${await plannerOptions(url)}` });
  pool.on('error', () => { /* an idle client died; the pool replaces it */ });
  if (schema !== 'public') await pool.query(`create schema if not exists ${schema}`);
  const names = preparedStatements ? new StatementNames() : null;
  const q = (conn: { query: pg.Pool['query'] }, inTransaction: boolean): Tx => ({
    async query<T>(sql: string, params?: unknown[]) {
      const name = params && names ? names.nameFor(sql) : undefined;
      if (!name) return (await conn.query(sql, params)).rows as T[];
      try {
        return (await conn.query({ name, text: sql, values: params })).rows as T[];
      } catch (e) {
        if (!isStalePlan(e)) throw e;
        names!.schemaChanged(name);
        // Within a transaction the error has aborted it: the caller's retry prepares the statement afresh.
        if (inTransaction) throw e;
        return (await conn.query(sql, params)).rows as T[];
      }
    },
    // Without parameters pg uses the simple protocol, which runs several statements.
    async exec(sql: string) { await conn.query(sql); },
  });
  return {
    kind: 'postgres',
    connection: { databaseUrl: url, schema, preparedStatements },
    ...q(pool, false),
    async transaction(fn) {
      const client = await pool.connect();
      // One connection runs one statement at a time: chain them, so callers may still Promise.all.
      let chain: Promise<unknown> = Promise.resolve();
      const serial = ((text: string | pg.QueryConfig, params?: unknown[]) => {
        const run = chain.then(() => client.query(text as string, params));
        chain = run.catch(() => {});
        return run;
      }) as unknown as pg.Pool['query'];
      try {
        await client.query('begin');
        const result = await fn(q({ query: serial }, true));
        // A statement the caller did not await still finishes before the commit.
        await chain;
        await client.query('commit');
        return result;
      } catch (e) {
        await chain;
        await client.query('rollback').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async close() { await pool.end(); },
  };
}
