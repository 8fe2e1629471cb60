import { createHash } from 'node:crypto';

/**
 * Names the statements a process runs again and again, so that each Postgres connection parses
 * (and, once the plan is generic, plans) them once instead of at every call. A statement is
 * named from its second use: SQL built with inlined values, run once, stays unnamed. At most
 * `maxNames` are named and `maxCounted` texts counted, so a process running ever-new SQL
 * cannot grow either the map or the server's per-connection statement caches without bound.
 *
 * A schema change can alter what a prepared statement returns (a migration adding a column
 * under a `select *`); Postgres then refuses to run it ("cached plan must not change result
 * type", SQLSTATE 0A000). Such a statement is never named again: see `isStalePlan`.
 */
export class StatementNames {
  private readonly seen = new Map<string, number | string | null>();
  private named = 0;

  constructor(private readonly maxNames = 2000, private readonly maxCounted = 20_000) {}

  /** The name to prepare `sql` under, or undefined to run it unnamed. */
  nameFor(sql: string): string | undefined {
    const v = this.seen.get(sql);
    if (typeof v === 'string') return v;
    if (v === null) return undefined;
    if (v === undefined) {
      if (this.seen.size < this.maxCounted) this.seen.set(sql, 1);
      return undefined;
    }
    if (this.named >= this.maxNames) return undefined;
    const name = `omnis_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    this.seen.set(sql, name);
    this.named++;
    return name;
  }

  /** Runs `sql` unnamed from now on. */
  never(sql: string) {
    if (typeof this.seen.get(sql) === 'string') this.named--;
    this.seen.set(sql, null);
  }
}

/** Postgres refused a prepared statement because the schema changed what it returns. */
export function isStalePlan(e: unknown): boolean {
  return (e as { code?: string })?.code === '0A000' && /cached plan must not change result type/.test((e as Error).message);
}
