export { EventLog, type Appended } from './log.ts';
export { AcceptJournal, type JournalOptions } from './journal.ts';
export { Processor, backlogAfter, type ProcessorOptions } from './processor.ts';
export { batchValue, type Stage, type StageContext, type Job, type PipelineCache } from './stage.ts';
export { rowToEvent, excludePipeline, type EventRow } from './rows.ts';
export { ThreadedProcessor } from './thread.ts';
export { TimerLoop, scheduleTimers, cancelTimers, cancelTimersOf, countDueTimers, TIMER_EVENT, isTimerEvent, type TimerSpec } from './timers.ts';
