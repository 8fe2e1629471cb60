/**
 * How loosely typed JSON values compare: numeric strings count as numbers for ordering,
 * ISO date strings count as times when both sides are dates. Date-times without a zone
 * are read as UTC so the answer never depends on the server's time zone.
 */

const NUMERIC_RE = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A finite number, or a string spelling one. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC_RE.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Epoch ms of an ISO 8601 date or date-time string ("2024-05-01", "2024-05-01T10:00:00+02:00"). */
export function toTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length < 10 || v.length > 40) return undefined;
  const m = DATE_RE.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = [m[1], m[2], m[3], m[4], m[5], m[6]];
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2024-02-31 over into March; a date that does not exist is not a date.
  if (new Date(t).getUTCDate() !== day) return undefined;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return t;
}

export type Scalar = string | number | boolean | null;
export const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Renders a value for an error message. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
