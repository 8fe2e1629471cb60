import { createHash } from 'node:crypto';
import { envFlag } from '../shared/index.ts';

/**
 * Names the statements a process runs again and again, so that each Postgres connection parses
 * (and, once the plan is generic, plans) them once instead of at every call. A statement is
 * named from its second use: SQL built with inlined values, run once, stays unnamed. At most
 * `maxNames` are named and `maxCounted` texts counted, so a process running ever-new SQL
 * cannot grow either the map or the server's per-connection statement caches without bound.
 *
 * A schema change can alter what a prepared statement returns (a migration run by another
 * process adds a column under a `select *`); Postgres then refuses to run it ("cached plan
 * must not change result type", SQLSTATE 0A000), and every statement prepared before the
 * change may be stale the same way. So the first such refusal starts a new generation: every
 * statement is counted and named afresh, under new names, which each connection prepares
 * against the schema as it is now. The statement that met the refusal fails once (a
 * transaction it ran in is aborted, for its caller to retry); the others are not refused.
 */
export class StatementNames {
  private seen = new Map<string, number | string>();
  private named = 0;
  private generation = 0;

  constructor(private readonly maxNames = 2000, private readonly maxCounted = 20_000) {}

  /** The name to prepare `sql` under, or undefined to run it unnamed. */
  nameFor(sql: string): string | undefined {
    const v = this.seen.get(sql);
    if (typeof v === 'string') return v;
    if (v === undefined) {
      if (this.seen.size < this.maxCounted) this.seen.set(sql, 1);
      return undefined;
    }
    if (this.named >= this.maxNames) return undefined;
    const name = `omnis_${this.generation}_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    this.seen.set(sql, name);
    this.named++;
    return name;
  }

  /**
   * The statement prepared as `name` was refused as stale: name everything afresh from now on.
   * A refusal of a name from an older generation (a statement still in flight when another
   * started the new one) changes nothing more.
   */
  schemaChanged(name: string) {
    if (!name.startsWith(`omnis_${this.generation}_`)) return;
    this.generation++;
    this.seen = new Map();
    this.named = 0;
  }
}

/** Postgres refused a prepared statement because the schema changed what it returns. */
export function isStalePlan(e: unknown): boolean {
  return (e as { code?: string })?.code === '0A000' && /cached plan must not change result type/.test((e as Error).message);
}

/** OMNIS_PG_PREPARED_STATEMENTS as set: unset or 1 prepares, 0 does not; anything else is refused, naming it. */
export function preparedStatementsSetting(env: Record<string, string | undefined>): boolean {
  return envFlag(env, 'OMNIS_PG_PREPARED_STATEMENTS', true);
}
