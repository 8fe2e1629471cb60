/**
 * Small helpers for the SQL the analytics module writes. Every value a caller gives
 * (event names, property paths, patterns) goes in as a bind parameter; only identifiers
 * and operators this module chose itself are spliced into the text.
 */

/** Collects bind parameters and hands back their placeholders. */
export class Params {
  readonly values: unknown[] = [];

  /** `$n`, cast when `type` is given (PGlite and Postgres both need casts on untyped params in expressions). */
  add(value: unknown, type?: string): string {
    this.values.push(value);
    return type ? `$${this.values.length}::${type}` : `$${this.values.length}`;
  }

  /** A timestamptz from epoch ms. */
  time(ms: number): string {
    return `to_timestamp(${this.add(ms, 'float8')} / 1000.0)`;
  }

  /** An interval from milliseconds. */
  interval(ms: number): string {
    return `(${this.add(ms, 'float8')} * interval '1 millisecond')`;
  }
}

const NUMBER_RE = String.raw`^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$`;

/** A text expression as float8 when it reads as a number, else null (never an error on bad data). */
export function numeric(textExpr: string): string {
  return `(case when ${textExpr} ~ '${NUMBER_RE}' then (${textExpr})::float8 end)`;
}

/**
 * The host of a URL held in a text expression, lower-cased and without "www."; null when
 * it has none. split_part rather than a regular expression: this runs on every page view
 * of a report, and is several times cheaper.
 */
export function hostOf(textExpr: string): string {
  const host = `lower(split_part(split_part(split_part(split_part(split_part(${textExpr}, '//', 2), '/', 1), '?', 1), '#', 1), ':', 1))`;
  return `nullif(regexp_replace(${host}, '^www[.]', ''), '')`;
}
