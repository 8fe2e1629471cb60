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
  // PGlite runs each statement synchronously on this thread and hands the connection to the
  // next waiter in a promise continuation. While statements keep queuing (the pipeline, the
  // dispatcher), the event loop would never reach I/O: under load, HTTP connections were not
  // even accepted for seconds. Each statement first lets the event loop take its turn (a
  // few microseconds; yielding only after 2 ms of statements doubled the p99 of the latency
  // benchmarks).
  const yieldTurn = () => new Promise(r => setImmediate(r));
  const q = (conn: Pick<PGlite, 'query' | 'exec'>): Tx => ({
    async query<T>(sql: string, params?: unknown[]) {
      await yieldTurn();
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
