/**
 * Spend rows from an ad platform's export, as JSON objects or CSV. Checked here, whatever
 * the route let through, so a bad row is refused with its place named and nothing of the
 * import is stored.
 */
import { parse } from 'csv-parse/sync';
import { invalid } from '../../shared/index.ts';
import { isIsoTime } from '../range.ts';
import { CHANNEL_NAME_RE } from '../touchpoints/index.ts';

export interface SpendRow {
  /** YYYY-MM-DD (UTC day). */
  day: string;
  /** A touchpoint channel name, as the taxonomy names it ("paid_search", "facebook_ads"). */
  channel: string;
  amount: number;
  /** ISO 4217, upper case; null: the workspace's currency. */
  currency: string | null;
  /** '' when none. */
  campaign: string;
}

export const MAX_SPEND_ROWS = 100_000;
const DAY_RE = /^(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const HEADERS: Record<string, keyof SpendRow> = { date: 'day', day: 'day', channel: 'channel', amount: 'amount', spend: 'amount', cost: 'amount', currency: 'currency', campaign: 'campaign' };

/** `at(i)` names row i in errors, e.g. `rows.3` or `line 5`. */
export function parseSpendRows(rows: readonly unknown[], at: (i: number) => string = i => `rows.${i}`): SpendRow[] {
  if (rows.length === 0) throw invalid('rows', 'expected at least one spend row');
  if (rows.length > MAX_SPEND_ROWS) throw invalid('rows', `at most ${MAX_SPEND_ROWS} rows per import`);
  return rows.map((r, i) => parseRow(r, at(i)));
}

function parseRow(r: unknown, at: string): SpendRow {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalid(at, 'expected { date, channel, amount, currency?, campaign? }');
  const o = r as Record<string, unknown>;
  const m = typeof o.date === 'string' ? DAY_RE.exec(o.date.trim()) : null;
  if (!m || !isIsoTime(m[1])) throw invalid(`${at}.date`, `expected a day like 2026-03-01, got ${JSON.stringify(o.date ?? null)}`);
  const channel = typeof o.channel === 'string' ? o.channel.trim() : '';
  if (!CHANNEL_NAME_RE.test(channel)) throw invalid(`${at}.channel`, `expected a channel name like "paid_search" (lower case, digits, _), got ${JSON.stringify(o.channel ?? null)}`);
  const amount = typeof o.amount === 'number' ? o.amount : typeof o.amount === 'string' && o.amount.trim() !== '' ? Number(o.amount.trim()) : NaN;
  if (!Number.isFinite(amount) || amount < 0) throw invalid(`${at}.amount`, `expected a number ≥ 0, got ${JSON.stringify(o.amount ?? null)}`);
  let currency: string | null = null;
  if (o.currency !== undefined && o.currency !== null && o.currency !== '') {
    if (typeof o.currency !== 'string' || !/^[A-Za-z]{3}$/.test(o.currency.trim())) throw invalid(`${at}.currency`, `expected a 3-letter currency code like USD, got ${JSON.stringify(o.currency)}`);
    currency = o.currency.trim().toUpperCase();
  }
  let campaign = '';
  if (o.campaign !== undefined && o.campaign !== null) {
    if (typeof o.campaign !== 'string' || o.campaign.length > 200) throw invalid(`${at}.campaign`, 'expected a campaign name of at most 200 characters');
    campaign = o.campaign.trim();
  }
  return { day: m[1], channel, amount, currency, campaign };
}

/** CSV with a header naming date, channel and amount (or spend, cost), and optionally currency and campaign. */
export function parseSpendCsv(csv: string): SpendRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // csv-parse's types do not model `info: true`, which wraps each record with its line number.
    records = parse(csv, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, delimiter: sniffDelimiter(csv), info: true }) as unknown as typeof records;
  } catch (e) {
    throw invalid('csv', `not readable as CSV: ${(e as Error).message}`);
  }
  if (records.length === 0) throw invalid('csv', 'empty; expected a header line date,channel,amount and at least one row');
  const header = records[0].record.map(h => h.toLowerCase());
  const keys = header.map(h => HEADERS[h]);
  for (const need of ['day', 'channel', 'amount'] as const) {
    if (!keys.includes(need)) throw invalid('csv', `line ${records[0].info.lines}: the header needs ${need === 'day' ? 'date' : need}; got ${JSON.stringify(records[0].record.join(','))}`);
  }
  const body = records.slice(1);
  const rows = body.map(({ record }) => {
    const o: Record<string, string> = {};
    keys.forEach((k, i) => { if (k) o[k === 'day' ? 'date' : k] = record[i] ?? ''; });
    return o;
  });
  // Named by their line in the file, blank lines included, as an editor shows it.
  return parseSpendRows(rows, i => `line ${body[i].info.lines}`);
}

function sniffDelimiter(csv: string): string {
  const first = csv.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return first.includes(';') && !first.includes(',') ? ';' : first.includes('\t') && !first.includes(',') ? '\t' : ',';
}
