/**
 * A benchmark's size from the environment variable `name` (a whole number of at least 1), else
 * `fallback`. Anything else stops the benchmark with a message naming the variable: `Number`
 * alone made "20k" NaN, and a loop over NaN items ran none and reported nothing wrong.
 */
export function envCount(name: string, fallback: number): number;
export function envCount(name: string): number | undefined;
export function envCount(name: string, fallback?: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}"`);
  return n;
}

/** The names `name` lists, comma-separated, each one of `allowed` (one it does not know stops the benchmark); unset: all of `allowed`. */
export function envList<T extends string>(name: string, allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...allowed];
  const got = raw.split(',').map(s => s.trim());
  const unknown = got.filter(s => !(allowed as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`${name}: unknown ${unknown.map(s => `"${s}"`).join(', ')}; the choices are ${allowed.join(', ')}`);
  return got as T[];
}

export const DRIVER_NAMES = ['postgres', 'pglite'] as const;

const declared = new Set<string>();

/**
 * The parts of a benchmark, declared when its module loads: BENCH_PARTS is one variable for
 * every benchmark of a run (see index.ts, which loads them all first), so a name is checked
 * against the parts of all of them.
 */
export function declareParts<P extends Record<string, unknown>>(parts: P): P {
  for (const k of Object.keys(parts)) declared.add(k);
  return parts;
}

/** Whether BENCH_PARTS (comma-separated; unset: every part) picks `part`; a name no loaded benchmark declares stops the run. */
export function partPicked(part: string): boolean {
  const raw = process.env.BENCH_PARTS;
  if (raw === undefined || raw.trim() === '') return true;
  const got = raw.split(',').map(s => s.trim());
  const unknown = got.filter(s => !declared.has(s));
  if (unknown.length) throw new Error(`BENCH_PARTS: unknown ${unknown.map(s => `"${s}"`).join(', ')}; the parts are ${[...declared].join(', ')}`);
  return got.includes(part);
}
