export type {
  JourneyDefinition, Step, StepType, Entry, EventMatch, Reentry, Goal, LocalTimeSpec,
  WaitStep, WaitEventStep, SendStep, AudienceStep, BranchStep, SplitStep, SplitPath, UpdateStep, WebhookStep, ExitStep,
  SendChannel, AdPlatform, Weekday,
} from './types.ts';
export { SEND_CHANNELS, AD_PLATFORMS, WEEKDAYS, STEP_TYPES, STEP_ID_RE, MAX_STEPS, MAX_DURATION } from './types.ts';
export { parseJourney } from './parse.ts';
export { validateForPublish, referencedSegments, referencedTemplates, templateFor, type PublishChecks, type TemplateRef } from './publish.ts';
export { successors, letsTimePass, type Edge } from './graph.ts';
export { nextLocalTime, zonedInstant, localParts, localDate, localMinuteOfDay, offsetAt, isTimeZone, LOCAL_TIME_RE, type LocalParts } from './local-time.ts';
export { journeyProblems, type Problem } from './problems.ts';
