import { OmnisError } from './errors.ts';

/** A 0/1 setting from the environment: unset (or empty) gives `fallback`; anything else is refused, naming the variable. */
export function envFlag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const v = env[name] ?? '';
  if (v === '') return fallback;
  if (v !== '0' && v !== '1') throw new OmnisError('invalid', `must be 0 or 1, got "${v}"`, name);
  return v === '1';
}
