export * from './errors.ts';
export * from './clock.ts';
export * from './duration.ts';
export * from './ids.ts';
export type * from './types.ts';
export { WorkLoop, type NextPass } from './work-loop.ts';
export { groupBy } from './group.ts';
export { groupCommit, type GroupCommitOptions } from './group-commit.ts';
export { envFlag } from './env.ts';
