import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore, type Db } from '../src/store/index.ts';
import { envList, DRIVER_NAMES } from './env.ts';

/**
 * BENCH_JOURNAL=1: embedded mode as `omnis serve` runs it with OMNIS_ACCEPT_JOURNAL=1: PGlite on
 * its own thread, and accepted events answered from an accept journal.
 */
export const BENCH_JOURNAL = process.env.BENCH_JOURNAL === '1';

/** A fresh journal folder for an Omnis on `db` when BENCH_JOURNAL asks for one (PGlite only); the caller removes it. */
export function benchJournalDir(db: Pick<Db, 'kind'>): string | undefined {
  return BENCH_JOURNAL && db.kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'omnis-bench-journal-')) : undefined;
}

export type Opened = { db: Db; cleanup: () => Promise<void> };
export type BenchRun = (name: 'postgres' | 'pglite', open: () => Promise<Opened>, report: (l: string) => void) => Promise<void>;

/**
 * Runs a benchmark once per storage driver named in BENCH_DRIVERS (default both): Postgres in
 * a throwaway schema of OMNIS_TEST_DATABASE_URL (reported as skipped when unreachable), PGlite
 * in a throwaway data folder.
 */
export async function eachStore(bench: string, run: BenchRun, report: (l: string) => void) {
  const pgUrl = process.env.OMNIS_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
  const drivers = envList('BENCH_DRIVERS', DRIVER_NAMES);
  if (drivers.includes('postgres')) await run('postgres', async () => {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const db = await openStore({ databaseUrl: pgUrl, schema, poolSize: 8 });
    return { db, cleanup: async () => { await db.query(`drop schema ${schema} cascade`); await db.close(); } };
  }, report).catch(e => report(`${bench} [postgres] skipped: ${(e as Error).message}`));
  if (drivers.includes('pglite')) await run('pglite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnis-bench-'));
    const db = await openStore({ dataDir: dir, databaseUrl: '', thread: BENCH_JOURNAL });
    return { db, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }, report);
}
