/**
 * Wall-clock time in a time zone, from the platform's Intl data alone (no tz package):
 * "10:00 on Saturday in the profile's zone" as an epoch instant, and the local parts of
 * an instant. Each local day has exactly one instant for a given wall-clock time:
 * - a time skipped by a spring-forward change is the first valid instant after the gap
 *   (02:30 on a day New York jumps from 02:00 to 03:00 is 03:00);
 * - a time that happens twice on a fall-back day is its first occurrence.
 */
import { invalid } from './deps.ts';
import { WEEKDAYS, type Weekday } from './types.ts';

const HOUR = 3_600_000;
export const LOCAL_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
}

// One formatter per zone: building them is the slow part. Only zones Intl accepts are kept.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw invalid('timezone', `unknown time zone ${JSON.stringify(tz)}; expected an IANA name like "Europe/Berlin"`);
    }
    formatters.set(tz, f);
  }
  return f;
}

export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0 || tz.length > 64) return false;
  try { formatter(tz); return true; } catch { return false; }
}

/** The wall clock in `tz` at instant `t`. Throws `invalid('timezone')` for an unknown zone. */
export function localParts(t: number, tz: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const weekday = WEEKDAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second, weekday };
}

/** Local time minus UTC at instant `t`, in ms (New York in winter: −5 h). */
export function offsetAt(t: number, tz: string): number {
  const s = Math.floor(t / 1000) * 1000;
  const p = localParts(s, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - s;
}

/** "YYYY-MM-DD" of the local calendar day at `t`. */
export function localDate(t: number, tz: string): string {
  const p = localParts(t, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Minutes since local midnight at `t` (by the wall clock, so 0–1439). */
export function localMinuteOfDay(t: number, tz: string): number {
  const p = localParts(t, tz);
  return p.hour * 60 + p.minute;
}

/**
 * The instant at which the wall clock in `tz` reads hour:minute on the local date
 * year-month-day: its first occurrence, or the end of the gap when the time was skipped.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets are within ±14 h, so 36 h either side lies outside any change around this time.
  const before = offsetAt(wall - 36 * HOUR, tz);
  const after = offsetAt(wall + 36 * HOUR, tz);
  const hits = [...new Set([before, after])].map(o => wall - o).filter(t => offsetAt(t, tz) === wall - t);
  if (hits.length) return Math.min(...hits);
  // Skipped: the change lies between the two readings; find the first instant on the new offset.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  if (offsetAt(hi, tz) !== after) return wall - before; // not one clean change: keep the old offset
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (offsetAt(mid, tz) === after) hi = mid; else lo = mid;
  }
  return hi;
}

/**
 * The first instant ≥ `now` at which the wall clock in `tz` reads `spec.local_time`, on
 * one of `spec.days` when given (one instant per local day, as described above). A run
 * that reaches the wait exactly at that instant goes on at once.
 */
export function nextLocalTime(now: number, tz: string, spec: { local_time: string; days?: readonly Weekday[] }): number {
  const m = LOCAL_TIME_RE.exec(spec.local_time);
  if (!m) throw invalid('local_time', `expected a time like "10:00" (24-hour HH:MM), got ${JSON.stringify(spec.local_time)}`);
  if (spec.days && spec.days.length === 0) throw invalid('days', 'days must name at least one day');
  const hour = Number(m[1]), minute = Number(m[2]);
  const days = spec.days ? new Set(spec.days) : null;
  const today = localParts(now, tz);
  // Eight days: today may have passed, and the same weekday a week on always qualifies.
  for (let i = 0; i <= 8; i++) {
    const d = new Date(Date.UTC(today.year, today.month - 1, today.day + i));
    if (days && !days.has(WEEKDAYS[d.getUTCDay()])) continue;
    const t = zonedInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, minute, tz);
    if (t >= now) return t;
  }
  throw invalid('days', `no day matches ${JSON.stringify(spec.days)}`);
}
