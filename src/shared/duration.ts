import { invalid } from './errors.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
export const DURATION_RE = /^(\d+)(s|m|h|d|w)$/;

/** Parses "14d", "90m", "2w" into milliseconds; `field` names the input in the error. */
export function parseDuration(value: unknown, field: string): number {
  const m = typeof value === 'string' ? DURATION_RE.exec(value) : null;
  if (!m) throw invalid(field, `expected a duration like "30m", "14d" or "2w" (units s m h d w), got ${JSON.stringify(value)}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}
