/**
 * What this folder takes from other modules, in one place, through their index.ts:
 * shared basics, and the condition language that segments own (branch conditions and
 * `where` filters are written in it, so a journey reads like a segment).
 */
export { invalid, parseDuration, DURATION_RE, OmnisError } from '../../shared/index.ts';
export type { Json, JsonObject } from '../../shared/index.ts';
export { parseCondition, propertyFilterSchema, nameString, durationSchema, issueError, dependsOn, toTime } from '../../segments/index.ts';
export type { Condition, PropertyFilter } from '../../segments/index.ts';
