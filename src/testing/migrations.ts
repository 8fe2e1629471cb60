import { randomBytes } from 'node:crypto';
import { listMigrations, openStore, type Db } from '../store/index.ts';
import { TEST_PG_URL } from './stores.ts';

/**
 * An empty database of the kind (PGlite in memory, or a throwaway Postgres schema) migrated up
 * to, not including, `version`: what an existing installation holds before it upgrades.
 */
export async function migratedBefore(kind: 'pglite' | 'postgres', version: number): Promise<{ db: Db; close(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = kind === 'pglite' ? await openStore({ databaseUrl: '', dataDir: 'memory://' }) : await openStore({ databaseUrl: TEST_PG_URL, schema, poolSize: 2 });
  await db.exec('create table schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
  for (const m of listMigrations().filter(m => m.version < version)) {
    await db.exec(m.sql);
    await db.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
  }
  return {
    db,
    async close() {
      if (kind === 'postgres') await db.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await db.close();
    },
  };
}
