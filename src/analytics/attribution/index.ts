/**
 * Attribution: which channels brought the conversions and the revenue, under the rule
 * models analysts still ask for (first, last, last non-direct, linear, time decay,
 * position), Markov removal effects solved exactly, and Shapley values.
 */
export { attribute } from './attribute.ts';
export { withSpend, readSpend, type SpendEntry, type ChannelCreditWithSpend, type ModelResultWithSpend } from './spend.ts';
export { readChannelAttribution, CHANNELATTRIBUTION_HEADER } from './parse-channelattribution.ts';
export { readEventExport, type EventExportOptions } from './parse-events.ts';
export { fileLines, type LineSource } from './lines.ts';
export { toCsv, toJson } from './format.ts';
export { runAttributionCli, ATTRIBUTION_USAGE, type CliIo } from './cli.ts';
export { EXACT_MAX_CHANNELS } from './shapley.ts';
export {
  MODEL_NAMES, type AttributionOptions, type ChannelCredit, type ModelName, type ModelResult, type Path,
  type PositionWeights, type ShapleyMethod, type Touch,
} from './types.ts';
export { seededRandom } from './rng.ts';
