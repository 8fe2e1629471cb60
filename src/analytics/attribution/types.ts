/**
 * Attribution types.
 *
 * Glossary
 * - touch: one contact of a customer with a channel (an ad click, an email open, a store
 *   visit), in time order within its path.
 * - path: the touches of one journey and what the journey produced: `conversions` and
 *   their `value`, and `nulls`, the journeys that went the same way and did not convert.
 *   A ChannelAttribution row "a > b;3;120.5;7" is one path with 3 conversions worth 120.5
 *   and 7 nulls; a path built from events is usually 1 conversion or 1 null.
 * - direct: a touch the customer made on their own (typed the URL, walked in);
 *   `last_non_direct` skips these.
 * - credit: the conversions and value a model gives a channel. For every model the
 *   credits add up to the total conversions and the total value of the paths.
 * - removal effect (Markov): the share of conversion probability lost when a channel is
 *   removed from the chain, 1 − P(conversion without it) / P(conversion).
 */

export interface Touch {
  channel: string;
  /** Epoch ms. Only time_decay reads it. */
  at?: number;
  /** Overrides the default rule (a channel named "direct", or the `directChannels` option). */
  direct?: boolean;
}

export interface Path {
  /** At least one, in time order. */
  touches: Touch[];
  /** ≥ 0; need not be whole (weights). */
  conversions: number;
  /** ≥ 0, and 0 when there are no conversions. */
  value: number;
  /** ≥ 0. */
  nulls: number;
}

export const MODEL_NAMES = ['first', 'last', 'last_non_direct', 'linear', 'time_decay', 'position', 'markov', 'shapley'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ChannelCredit {
  channel: string;
  conversions: number;
  value: number;
  /** Markov only: 1 − P(conversion without the channel) / P(conversion). */
  removalEffect?: number;
  /** Markov only: the same for the value-weighted chain (ChannelAttribution's var_value). */
  valueRemovalEffect?: number;
}

export interface ModelResult {
  model: ModelName;
  /** Markov only. */
  order?: number;
  /** Shapley only: how it was computed (`auto` resolves to exact or sampled). */
  method?: Exclude<ShapleyMethod, 'auto'>;
  /** Every channel seen in the paths, in order of first appearance. */
  channels: ChannelCredit[];
  totalConversions: number;
  totalValue: number;
}

export interface PositionWeights {
  first: number;
  middle: number;
  last: number;
}

export type ShapleyMethod = 'auto' | 'exact' | 'simplified' | 'sampled';

export interface AttributionOptions {
  /** Default: all models. */
  models?: readonly ModelName[] | 'all';
  /** Markov order k, an integer ≥ 1. Default 1. */
  order?: number;
  /** Markov: count non-converting journeys (`nulls`) in the chain. Default false, as
   *  ChannelAttribution's `var_null=NULL`. */
  nulls?: boolean;
  /** time_decay on paths with times: a touch this long before the last one weighs half.
   *  Default 7 days (Google's former default). */
  halfLifeMs?: number;
  /** time_decay on paths without times: positions are unit steps and a touch this many
   *  touches before the last one weighs half. Default 1. */
  halfLifeSteps?: number;
  /** position: weights of the first, the middle (shared) and the last touch; normalised
   *  to sum to 1. Default 0.4 / 0.2 / 0.4. */
  positionWeights?: PositionWeights;
  /** shapley: `auto` (default) is `exact` up to 20 channels and `sampled` beyond. */
  shapleyMethod?: ShapleyMethod;
  /** shapley `sampled`: random channel orderings drawn. Default 1000. */
  shapleySamples?: number;
  /** Seed of every random draw (sampled Shapley). Default 1. */
  seed?: number;
  /** Channel names that count as direct when a touch has no `direct` flag; compared
   *  case-insensitively. Default ["direct"]. */
  directChannels?: readonly string[];
}
