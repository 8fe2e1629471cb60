/**
 * Report ranges. Times are epoch ms and half-open, [from, to): a date-only `to` such as
 * "2026-03-31" means through the end of that day (UTC), which is what an analyst asking
 * for "March" means.
 */
import { invalid, parseDuration } from '../shared/index.ts';

export interface Range { from: number; to: number }

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;
const DAY_MS = 86_400_000;

/** Whether a string is a date ("2026-03-01") or a date-time with a zone ("2026-03-01T10:00:00Z"). */
export function isIsoTime(v: string): boolean {
  if (!(DATE_ONLY.test(v) || DATE_TIME.test(v)) || !Number.isFinite(Date.parse(v))) return false;
  // Date.parse rolls 2026-02-30 over to March 2nd: the day must exist as written.
  const [y, m, d] = v.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

export function parseRange(from: string, to: string): Range {
  const f = time(from, 'from');
  const t = DATE_ONLY.test(to) ? time(to, 'to') + DAY_MS : time(to, 'to') + 1;
  if (t <= f) throw invalid('to', `expected a time after from (${from}), got ${to}`);
  return { from: f, to: t };
}

function time(v: string, field: string): number {
  if (!isIsoTime(v)) throw invalid(field, `expected a date like 2026-03-01 or a time like 2026-03-01T10:00:00Z, got ${JSON.stringify(v)}`);
  return Date.parse(v);
}

/** A duration such as "30d" in ms, naming the field on error; at least `minMs`. */
export function duration(v: string, field: string, minMs = 1): number {
  const ms = parseDuration(v, field);
  if (ms < minMs) throw invalid(field, `expected a duration of at least ${minMs / 1000}s, got ${JSON.stringify(v)}`);
  return ms;
}
