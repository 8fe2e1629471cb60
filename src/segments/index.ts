export * from './condition/index.ts';
export * from './computed/index.ts';
export { DefinitionCache, type Definitions, type SegmentDef, type TraitDef } from './definitions.ts';
export { segmentStage } from './stage.ts';
export { segmentComputeJob } from './compute-job.ts';
export { SegmentService, COMPUTE_JOB, type SegmentView } from './service.ts';
export { evaluateProfiles, SEGMENT_ENTERED, SEGMENT_EXITED, SEGMENT_TIMER } from './evaluate-profiles.ts';
export { loadStates, type ProfileState, type HistorySource } from './load.ts';
export { EventHistory } from './history.ts';
