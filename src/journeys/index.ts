export * from './definition/index.ts';
export * from './policy/index.ts';
export { journeyStage } from './engine/stage.ts';
export { JourneyCatalog } from './engine/catalog.ts';
export { endRunsOfForgotten, runsOfProfiles, type TrailStep } from './engine/runs.ts';
export { JOURNEY_TIMER, type Outbox, type Run, type RunStatus } from './engine/types.ts';
export { JourneyService, type JourneyStatus } from './service.ts';
export { journeyStats, lift, type Rate } from './stats.ts';
export { runsAtStep, stepOutcomes, journeyTotals, journeyTrails, type StepRun, type StepOutcome } from './live.ts';
