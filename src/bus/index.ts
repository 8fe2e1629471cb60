export { EventLog, type Appended } from './log.ts';
export { Processor, backlogAfter, batchValue, type Stage, type StageContext, type ProcessorOptions, type Job, type PipelineCache } from './processor.ts';
export { rowToEvent, excludePipeline, type EventRow } from './rows.ts';
export { ThreadedProcessor } from './thread.ts';
export { TimerLoop, scheduleTimers, cancelTimers, cancelTimersOf, TIMER_EVENT, type TimerSpec } from './timers.ts';
