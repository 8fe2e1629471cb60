import pg from 'pg';
import { describe } from 'node:test';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { openScratchDb, openStore, type Db } from '../store/index.ts';

/**
 * The contract suite runs every storage test against both drivers. Postgres comes from
 * OMNIS_TEST_DATABASE_URL (default: the local server); each test gets its own schema.
 * Outside CI a missing server skips those tests loudly; under CI=true it fails them.
 */
export const TEST_PG_URL = process.env.OMNIS_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

async function checkPostgres(): Promise<string | null> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 15000 });
  try { await c.connect(); await c.query('select 1'); return null; } catch (e) { return (e as Error).message || String(e); } finally { await c.end().catch(() => {}); }
}
/** Checked once when a test file loads, so suites can be declared synchronously. */
export const postgresProblem: string | null = await checkPostgres();

export interface TestDb { db: Db; close(): Promise<void> }

export async function openTestDb(kind: 'pglite' | 'postgres'): Promise<TestDb> {
  if (kind === 'pglite') {
    // Migrated already, from a dump the suite's processes share (see openScratchDb).
    const db = await openScratchDb({ cacheDir: tmpdir() });
    return { db, close: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openStore({ databaseUrl: TEST_PG_URL, schema, poolSize: 4 });
  return {
    db,
    async close() {
      await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await db.close();
    },
  };
}

/** describe() once per storage driver; `skip` is set (with a loud reason) when Postgres is unreachable outside CI. */
export function forEachStore(name: string, fn: (kind: 'pglite' | 'postgres') => void) {
  for (const kind of ['pglite', 'postgres'] as const) {
    if (kind === 'postgres' && postgresProblem) {
      if (process.env.CI) {
        describe(`${name} [postgres]`, () => { throw new Error(`Postgres is required under CI but unreachable at ${TEST_PG_URL}: ${postgresProblem}`); });
        continue;
      }
      console.warn(`\n!!! SKIPPING the Postgres half of "${name}": ${TEST_PG_URL} is unreachable (${postgresProblem}). Under CI this fails.\n`);
      describe(`${name} [postgres]`, { skip: `Postgres unreachable: ${postgresProblem}` }, () => {});
      continue;
    }
    describe(`${name} [${kind}]`, () => fn(kind));
  }
}
