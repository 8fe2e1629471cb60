import { z } from 'zod';
import { fromZodIssues } from '../shared/index.ts';

/**
 * Identity rules per workspace, after Segment Unify: how many values of each identifier
 * type one profile may hold, which types win when a merge would break a limit, and which
 * values are never identifiers (placeholders SDKs send when they know nothing).
 */
export interface IdentityRules {
  /** Max values per type per profile. Types not listed get `defaultLimit`. */
  limits: Record<string, number>;
  defaultLimit: number;
  /** Highest priority first. Unlisted types rank after the listed ones, anonymous_id last. */
  priority: string[];
  /** Values (compared case-insensitively) and /regex/ patterns that are never identifiers. */
  blocked: string[];
  /** Region used to read phone numbers written without a country code, e.g. "US". */
  defaultRegion: string;
}

export const DEFAULT_RULES: IdentityRules = {
  limits: { user_id: 1, email: 5 },
  defaultLimit: 10,
  priority: ['user_id', 'email', 'phone'],
  blocked: ['', 'null', 'undefined', 'anonymous', 'nil', 'none', 'n/a', 'unknown', '-1', '/^[0-]*$/'],
  defaultRegion: 'US',
};

export const identityRulesSchema = z.object({
  limits: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().int().min(1).max(1000)).optional(),
  defaultLimit: z.number().int().min(1).max(1000).optional(),
  priority: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).max(50).optional(),
  blocked: z.array(z.string().max(200).refine(isValidBlocked, 'not a valid /regex/')).max(200).optional(),
  defaultRegion: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 region like "US"').optional(),
}).strict();

function isValidBlocked(s: string): boolean {
  if (!(s.startsWith('/') && s.endsWith('/') && s.length > 1)) return true;
  try { new RegExp(s.slice(1, -1)); return true; } catch { return false; }
}

export function parseIdentityRules(input: unknown): IdentityRules {
  const r = identityRulesSchema.safeParse(input ?? {});
  if (!r.success) throw fromZodIssues(r.error.issues, 'identity');
  return { ...DEFAULT_RULES, ...r.data, limits: { ...DEFAULT_RULES.limits, ...(r.data.limits ?? {}) } };
}

/** Precomputed form of the rules for the hot path. */
export interface CompiledRules {
  rules: IdentityRules;
  limit(type: string): number;
  /** Lower number = higher priority. */
  rank(type: string): number;
  isBlocked(value: string): boolean;
}

export function compileRules(rules: IdentityRules): CompiledRules {
  const literal = new Set(rules.blocked.filter(b => !(b.startsWith('/') && b.endsWith('/') && b.length > 1)).map(b => b.toLowerCase()));
  const patterns = rules.blocked.filter(b => b.startsWith('/') && b.endsWith('/') && b.length > 1).map(b => new RegExp(b.slice(1, -1), 'i'));
  const ranks = new Map(rules.priority.map((t, i) => [t, i]));
  return {
    rules,
    limit: t => rules.limits[t] ?? rules.defaultLimit,
    rank: t => ranks.get(t) ?? (t === 'anonymous_id' ? 10_000 : 1_000),
    isBlocked: v => literal.has(v.trim().toLowerCase()) || patterns.some(p => p.test(v)),
  };
}
