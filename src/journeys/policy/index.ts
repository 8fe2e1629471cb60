export type { ContactPolicy, CapRule, QuietHours, Candidate, SentMessage, PolicyDecision, Purpose } from './types.ts';
export { parsePolicy, policySchema, capRuleSchema, quietHoursSchema, DEFAULT_POLICY, MAX_CAP_RULES, MAX_CAP_WINDOW } from './schema.ts';
export { checkPolicy, capApplies, countInWindow, resolveTimeZone, inWindow } from './check.ts';
