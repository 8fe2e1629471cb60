/**
 * Who may do what, in one table. A request is matched by method and route pattern (as
 * registered under /api/v1, e.g. "/journeys/:id/publish"); the first rule that matches
 * decides. Routes no rule names fall back to: reads for every role, changes for admins and
 * marketers; so a new route is never open to read-only users by accident.
 */
export const ROLES = ['admin', 'marketer', 'analyst', 'read_only'] as const;
export type Role = typeof ROLES[number];

interface Rule { methods: string[] | '*'; pattern: string; roles: readonly Role[]; why: string }

const ADMIN: readonly Role[] = ['admin'];
const WRITERS: readonly Role[] = ['admin', 'marketer'];
const ANALYSTS: readonly Role[] = ['admin', 'marketer', 'analyst'];
const EVERYONE: readonly Role[] = ROLES;

/** `*` at the end of a pattern matches the rest of the path. */
export const RULES: readonly Rule[] = [
  { methods: '*', pattern: '/users*', roles: ADMIN, why: 'users' },
  { methods: '*', pattern: '/keys*', roles: ADMIN, why: 'API keys' },
  { methods: ['PUT', 'DELETE'], pattern: '/channels/:channel', roles: ADMIN, why: 'channel and provider configuration' },
  // Analysts save what they find, e.g. a funnel's drop-offs, as a segment.
  { methods: ['POST'], pattern: '/segments', roles: ANALYSTS, why: 'creating segments' },
  { methods: ['POST'], pattern: '/analytics/funnels/segment', roles: ANALYSTS, why: 'saving funnel drop-offs as a segment' },
  { methods: ['POST'], pattern: '/analytics/funnels/segment', roles: ANALYSTS, why: 'saving funnel drop-offs as a segment' },
  // POSTs that compute an answer and store nothing.
  { methods: ['POST'], pattern: '/segments/preview', roles: EVERYONE, why: 'previewing a segment' },
  { methods: ['POST'], pattern: '/templates/:key/preview', roles: EVERYONE, why: 'previewing a template' },
  { methods: ['POST'], pattern: '/journeys/validate', roles: EVERYONE, why: 'validating a journey' },
  { methods: ['POST'], pattern: '/journeys/:id/simulate', roles: EVERYONE, why: 'simulating a journey' },
  { methods: ['POST'], pattern: '/attribution', roles: EVERYONE, why: 'attribution reports' },
  { methods: ['POST'], pattern: '/funnels', roles: EVERYONE, why: 'funnel reports' },
  { methods: ['POST'], pattern: '/paths', roles: EVERYONE, why: 'path reports' },
];

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function matches(rule: Rule, method: string, pattern: string): boolean {
  if (rule.methods !== '*' && !rule.methods.includes(method)) return false;
  return rule.pattern.endsWith('*') ? pattern.startsWith(rule.pattern.slice(0, -1)) : pattern === rule.pattern;
}

/** The roles allowed to call `method pattern`, and what the rule is about (for the refusal). */
export function allowedRoles(method: string, pattern: string): { roles: readonly Role[]; why: string } {
  const m = method.toUpperCase();
  const rule = RULES.find(r => matches(r, m, pattern));
  if (rule) return rule;
  return READS.has(m) ? { roles: EVERYONE, why: 'reading' } : { roles: WRITERS, why: 'changes' };
}

/** Null when `role` may call `method pattern`; otherwise the refusal, naming the roles needed. */
export function refusal(role: Role, method: string, pattern: string): string | null {
  const { roles, why } = allowedRoles(method, pattern);
  if (roles.includes(role)) return null;
  const need = roles.length === 1 ? `the ${roles[0]} role` : `one of the roles ${roles.join(', ')}`;
  return `${method.toUpperCase()} ${pattern} (${why}) needs ${need}; you are ${role}`;
}

export const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
