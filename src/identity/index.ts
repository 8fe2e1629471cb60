export { DEFAULT_RULES, parseIdentityRules, compileRules, identityRulesSchema } from './rules.ts';
export type { IdentityRules, CompiledRules } from './rules.ts';
export { extractIdentifiers, normalizeIdentifier, normalizeEmail, normalizePhone, normalizeType } from './normalize.ts';
export { resolve } from './resolve.ts';
export type { GraphView, Resolution, Conflict } from './resolve.ts';
export { lookupIdentities, identitiesOfProfiles, suppressedAmong, insertIdentities, applyMerges, insertConflicts, hashIdentifier } from './repo.ts';
export type { MergeRow, ConflictRow } from './repo.ts';
