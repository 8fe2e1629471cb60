/** Journeys: stored events cut into per-conversion paths of touchpoints, in SQL. */
export { journeySql, type JourneySpec, type GroupedRow, type TimedRow } from './sql.ts';
export { readJourneyPaths, readJourneyGroups, NO_VALUE, type JourneyPaths } from './read.ts';
