/** Analytics: the public face of the module. Other modules import from here only. */
export * from './attribution/index.ts';
export {
  type Taxonomy, type StoredTaxonomy, type Rule, type Condition, type ConditionOp, type ChannelInfo, type ClassifiedEvent,
  type CatchUp, CONDITION_OPS, DEFAULT_RULES, DEFAULT_CONVERSION_EVENT, DIRECT, FIELD_HELP, defaultTaxonomy, getTaxonomy, setTaxonomy, parseTaxonomy,
  classifyEvents, refreshTouches,
} from './touchpoints/index.ts';
export { journeySql, readJourneyPaths, NO_VALUE, type JourneySpec, type JourneyPaths } from './journeys/index.ts';
export {
  storeAttribution, OTHER, type AttributionQuery, type AttributionReport, type ModelReport, type ChannelReport, type Split, type Totals,
} from './store-attribution.ts';
export { parseSpendRows, parseSpendCsv, importSpend, spendFor, listSpend, MAX_SPEND_ROWS, type SpendRow, type SpendImport, type SpendTotals, type SpendListing } from './spend/index.ts';
export { funnelReport, MAX_STEPS, type FunnelQuery, type FunnelReport, type FunnelStepReport } from './funnels/index.ts';
export { pathReport, CONVERTED, DROPPED, type PathQuery, type PathReport, type PathStat, type ChannelStat, type StallStat, type SankeyNode, type SankeyLink } from './paths/index.ts';
export { parseRange, duration, isIsoTime, type Range } from './range.ts';
export { saveDropOffs, listCondition, LIST_EVENT, MAX_SAVED, type SaveDropOffsDeps, type SaveDropOffsInput, type SavedDropOffs } from './funnels/save.ts';
export { revenueReport, REVENUE_INTERVALS, MAX_PERIODS, type RevenueInterval, type RevenueQuery, type RevenueReport, type RevenuePoint } from './revenue/index.ts';
export { experimentReport, type ExperimentReport, type Arm, type ArmInput } from './experiments/index.ts';
