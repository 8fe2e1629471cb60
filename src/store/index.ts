import type { Db, StoreOptions } from './types.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { openPgliteThread } from './pglite-thread.ts';
import { preparedStatementsSetting } from './statements.ts';

export type { Db, Tx, Queryable, Row, StoreOptions, GuestArgs } from './types.ts';
export { migrate, listMigrations } from './migrate.ts';
export { openScratchDb, seedDataDir } from './scratch.ts';
export { acquireDataDirLock } from './lock.ts';
export { definitionStamp, type DefinitionKind } from './stamps.ts';
export { preparedStatementsSetting } from './statements.ts';

/** Opens Postgres when a URL is given (or DATABASE_URL is set), else embedded PGlite in the data folder. */
export function openStore(opts: StoreOptions = {}): Promise<Db> {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (url) return openPostgres(url, opts.schema ?? process.env.OMNIS_DATABASE_SCHEMA, opts.poolSize, opts.preparedStatements ?? preparedStatementsSetting(process.env));
  const dir = opts.dataDir ?? process.env.OMNIS_DATA_DIR ?? './.omnis';
  return opts.thread ? openPgliteThread(dir) : openPglite(dir);
}

/** ISO strings and epoch ms both come back from the drivers as Date; this gives epoch ms. */
export const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number(v));
export const msOrNull = (v: unknown): number | null => (v == null ? null : ms(v));
/** A timestamp column as the API shows it: an ISO string (null stays null). */
export const isoOf = (v: unknown): string => new Date(ms(v)).toISOString();
export const isoOrNull = (v: unknown): string | null => (v == null ? null : isoOf(v));
