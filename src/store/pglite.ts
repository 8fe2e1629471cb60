import { PGlite } from '@electric-sql/pglite';
import { resolve } from 'node:path';
import type { Db, Tx } from './types.ts';
import { acquireDataDirLock } from './lock.ts';

export async function openPglite(dataDir: string): Promise<Db> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  const dir = inMemory ? undefined : resolve(dataDir, 'pgdata');
  const release = inMemory ? () => {} : acquireDataDirLock(resolve(dataDir));
  let pg: PGlite;
  try {
    pg = new PGlite(dir);
    await pg.waitReady;
  } catch (e) { release(); throw e; }
  const q = (conn: Pick<PGlite, 'query' | 'exec'>): Tx => ({
    async query<T>(sql: string, params?: unknown[]) {
      return (await conn.query<T>(sql, params)).rows;
    },
    async exec(sql: string) { await conn.exec(sql); },
  });
  return {
    kind: 'pglite',
    ...q(pg),
    transaction: fn => pg.transaction(tx => fn(q(tx))),
    async close() { try { await pg.close(); } finally { release(); } },
  };
}
