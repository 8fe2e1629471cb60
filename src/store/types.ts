/**
 * One interface over both storage modes (Drizzle's "one thin adapter per driver").
 * Both speak the same Postgres dialect: PGlite is Postgres compiled to WASM.
 */
import type { MessagePort } from 'node:worker_threads';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. jsonb params must be passed as JSON strings. */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Tx extends Queryable {
  /** Runs several statements (no parameters); used by migrations. */
  exec(sql: string): Promise<void>;
}

export interface Db extends Tx {
  readonly kind: 'pglite' | 'postgres';
  /** Postgres: how to open more connections to the same data (another thread or process). */
  readonly connection?: { databaseUrl: string; schema: string; preparedStatements: boolean };
  /**
   * Runs fn in one transaction; commits when it resolves, rolls back when it throws.
   * Inside fn use only `tx`: PGlite has one connection, so a query on the Db waits for the
   * transaction to end and the two deadlock.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * PGlite on a thread of its own: runs a module in that thread, beside the database, and
   * answers with a port to it. The module's default export is called with the thread's own
   * Db (its statements cross no thread), the other end of the port, and `data`. Stop the
   * module before closing the Db.
   */
  startGuest?(entry: URL, data: unknown): Promise<MessagePort>;
  close(): Promise<void>;
}

/** What a module started with Db.startGuest is given. */
export interface GuestArgs { db: Db; port: MessagePort; data: unknown }

export interface StoreOptions {
  /** A Postgres server; when absent, embedded PGlite is used. Default: env DATABASE_URL. */
  databaseUrl?: string;
  /** The PGlite data folder. Default: env OMNIS_DATA_DIR, else ./.omnis. "memory://" keeps it in memory. */
  dataDir?: string;
  /**
   * PGlite only: run it on a thread of its own (see pglite-thread.ts), where a guest module may
   * run beside it (the pipeline does). Default false: each statement from another thread then
   * costs twice the time (0.6 against 0.3 ms for a small query), which pays off only when
   * requests need no database (the accept journal, OMNIS_ACCEPT_JOURNAL).
   */
  thread?: boolean;
  /** Postgres only: the schema to use (created when missing). Default: env OMNIS_DATABASE_SCHEMA, else public. Tests use one schema each. */
  schema?: string;
  /** Postgres only: pool size. Default 8. */
  poolSize?: number;
  /**
   * Postgres only: prepare the statements run again and again, once per connection (see
   * statements.ts). Default: env OMNIS_PG_PREPARED_STATEMENTS (0 or 1), else on. Off for a
   * connection pooler that cannot keep prepared statements (PgBouncer in transaction mode
   * before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
}
