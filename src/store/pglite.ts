import { PGlite } from '@electric-sql/pglite';
import { resolve } from 'node:path';
import type { Db, Tx } from './types.ts';
import { acquireDataDirLock } from './lock.ts';
import { RANDOM_PAGE_COST } from './planner.ts';

export interface PgliteOptions {
  /** Let the event loop take a turn before each statement. Default true; see below. */
  yieldEach?: boolean;
  /** Start from this dump of a cluster (PGlite's dumpDataDir) instead of an empty one: in memory, or in a new data folder. */
  loadDataDir?: Blob;
}

/** In-process PGlite: a Db, and the whole cluster as one gzipped tarball, which `loadDataDir` opens again. */
export type PgliteDb = Db & { dump(): Promise<Blob> };

export async function openPglite(dataDir: string, opts: PgliteOptions = {}): Promise<PgliteDb> {
  const inMemory = dataDir === 'memory://' || dataDir === '';
  const dir = inMemory ? undefined : resolve(dataDir, 'pgdata');
  const release = inMemory ? () => {} : acquireDataDirLock(resolve(dataDir));
  let pg: PGlite;
  try {
    pg = dir ? new PGlite(dir, { loadDataDir: opts.loadDataDir }) : new PGlite({ loadDataDir: opts.loadDataDir });
    await pg.waitReady;
    await pg.exec(`set random_page_cost = ${RANDOM_PAGE_COST}`);
  } catch (e) { release(); throw e; }
  // PGlite runs each statement synchronously on this thread and hands the connection to the
  // next waiter in a promise continuation. While statements keep queuing (the pipeline, the
  // dispatcher), the event loop would never reach I/O: under load, HTTP connections were not
  // even accepted for seconds. Each statement first lets the event loop take its turn (a
  // few microseconds; yielding only after 2 ms of statements doubled the p99 of the latency
  // benchmarks). A thread that runs nothing but the database (pglite-host.ts) has no use for it.
  const yieldEach = opts.yieldEach ?? true;
  const yieldTurn = () => new Promise(r => setImmediate(r));
  const q = (conn: Pick<PGlite, 'query' | 'exec'>): Tx => ({
    async query<T>(sql: string, params?: unknown[]) {
      if (yieldEach) await yieldTurn();
      return (await conn.query<T>(sql, params)).rows;
    },
    async exec(sql: string) { await conn.exec(sql); },
  });
  return {
    kind: 'pglite',
    ...q(pg),
    transaction: fn => pg.transaction(tx => fn(q(tx))),
    dump: () => pg.dumpDataDir('gzip'),
    async close() { try { await pg.close(); } finally { release(); } },
  };
}
