/** The spend table (migration 005): imports and sums per channel for a report range. */
import type { Queryable } from '../../store/index.ts';
import type { SpendEntry } from '../attribution/index.ts';
import type { Range } from '../range.ts';
import type { SpendRow } from './parse.ts';

export interface SpendImport {
  /** Rows after summing duplicates of one day, channel and campaign within the import. */
  rows: number;
  inserted: number;
  /** Day, channel and campaign already held: their amount was replaced. */
  replaced: number;
}

const BATCH = 5000;

export async function importSpend(db: Queryable, workspaceId: string, rows: readonly SpendRow[], now: number): Promise<SpendImport> {
  // One export often splits a campaign's day into ad sets: those add up; a new import replaces.
  const merged = new Map<string, SpendRow>();
  for (const r of rows) {
    const k = JSON.stringify([r.day, r.channel, r.campaign]);
    const had = merged.get(k);
    merged.set(k, had ? { ...had, amount: had.amount + r.amount, currency: r.currency ?? had.currency } : { ...r });
  }
  const all = [...merged.values()];
  let inserted = 0;
  for (let i = 0; i < all.length; i += BATCH) {
    const res = await db.query<{ inserted: boolean }>(
      `insert into spend (workspace_id, day, channel, campaign, amount, currency, imported_at)
       select $1::text, x.d::date, x.c, x.k, x.a, x.cur, to_timestamp($3::float8 / 1000.0)
         from jsonb_to_recordset($2::jsonb) as x(d text, c text, k text, a numeric, cur text)
       on conflict (workspace_id, day, channel, campaign)
         do update set amount = excluded.amount, currency = excluded.currency, imported_at = excluded.imported_at
       returning (xmax = 0) as inserted`,
      [workspaceId, JSON.stringify(all.slice(i, i + BATCH).map(r => ({ d: r.day, c: r.channel, k: r.campaign, a: r.amount, cur: r.currency }))), now]);
    inserted += res.filter(r => r.inserted).length;
  }
  return { rows: all.length, inserted, replaced: all.length - inserted };
}

export interface SpendTotals {
  byChannel: SpendEntry[];
  total: number;
  /** Currencies seen (null stands for the workspace's own); more than one means the sums mix them. */
  currencies: (string | null)[];
}

/** Spend on the days the range touches (a range ending mid-day counts that whole day). */
export async function spendFor(db: Queryable, workspaceId: string, range: Range): Promise<SpendTotals> {
  const rows = await db.query<{ channel: string; amount: number; currencies: (string | null)[] }>(
    `select channel, sum(amount)::float8 as amount, array_agg(distinct currency) as currencies
       from spend
      where workspace_id = $1 and day >= (to_timestamp($2::float8 / 1000.0) at time zone 'UTC')::date
        and day <= (to_timestamp(($3::float8 - 1) / 1000.0) at time zone 'UTC')::date
      group by channel order by channel`,
    [workspaceId, range.from, range.to]);
  const currencies = [...new Set(rows.flatMap(r => r.currencies))];
  return { byChannel: rows.map(r => ({ channel: r.channel, amount: Number(r.amount) })), total: rows.reduce((s, r) => s + Number(r.amount), 0), currencies };
}

export interface SpendListing { day: string; channel: string; campaign: string; amount: number; currency: string | null }

export async function listSpend(db: Queryable, workspaceId: string, range: Range, limit = 1000): Promise<SpendListing[]> {
  return db.query<SpendListing>(
    `select to_char(day, 'YYYY-MM-DD') as day, channel, campaign, amount::float8 as amount, currency
       from spend
      where workspace_id = $1 and day >= (to_timestamp($2::float8 / 1000.0) at time zone 'UTC')::date
        and day <= (to_timestamp(($3::float8 - 1) / 1000.0) at time zone 'UTC')::date
      order by day, channel, campaign limit $4`,
    [workspaceId, range.from, range.to, limit]);
}
