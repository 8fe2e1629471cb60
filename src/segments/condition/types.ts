/**
 * The condition language: one JSON shape used by segments now and by journeys, offers
 * and the console later. `Condition` is exactly the JSON users write (parsed values
 * round-trip), discriminated by which kind key it carries (`all`, `trait`, `event`...).
 *
 * Glossary
 * - comparison: `op` + `value` (+ `ignoreCase`) tested against one value (a trait, an
 *   event property, a computed trait).
 * - event condition: counts the profile's events of a name that pass `where`, inside a
 *   time window (`within`, `ago`), among the last N (`last`) or after another event
 *   (`since`), and compares the count.
 * - window: which past events an event condition sees at time `now`. `within: D` sees
 *   events with now−D < t ≤ now; `ago: {from: F, to: T}` sees now−F < t ≤ now−T. So
 *   `within: D` is `ago: {from: D, to: "0s"}` and an event crosses each edge at one exact
 *   instant (enters at t+T, leaves at t+F), which is what `recheckAt` reports.
 * - recheckAt: the earliest future time at which the answer can change with no new
 *   event; null when only new data can change it.
 */
import type { ChannelReach, ConsentEntry, EventType, Json, JsonObject } from '../../shared/index.ts';

export const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'contains', 'starts_with', 'exists', 'not_exists'] as const;
export type Operator = (typeof OPERATORS)[number];

export const COUNT_OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export type CountOperator = (typeof COUNT_OPERATORS)[number];

export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const satisfies readonly EventType[];

/** `event: "*"` matches every event name (use with `type` and `where`, e.g. any page by path). */
export const ANY_EVENT = '*';

export const MAX_DEPTH = 16;
export const MAX_NODES = 1000;

/** A test of one value. `value` is absent for exists/not_exists. */
export interface Comparison {
  op: Operator;
  value?: Json;
  /** Default false: string comparisons are exact (case-sensitive). */
  ignoreCase?: boolean;
}

export interface AllCondition { all: Condition[] }
export interface AnyCondition { any: Condition[] }
export interface NotCondition { not: Condition }
/** `trait` is a dotted path into profile.traits ("address.city"). */
export interface TraitCondition extends Comparison { trait: string }
/** `computed` is a computed-trait name, optionally followed by a dotted path. */
export interface ComputedCondition extends Comparison { computed: string }
/** `property` is a dotted path into the event's properties ("products.category"). */
export interface PropertyFilter extends Comparison { property: string }
export interface CountFilter { op: CountOperator; value: number | [number, number] }

export interface EventCondition {
  /** An event name, or "*" for any. */
  event: string;
  /** Only events of this type (page, screen, track...). Default: any type. */
  type?: EventType;
  /** Only events that happened on this channel. Default: any channel. */
  channel?: string;
  where?: PropertyFilter[];
  /** Default: at least one ({"op": "gte", "value": 1}). */
  count?: CountFilter;
  within?: string;
  ago?: { from: string; to: string };
  /** Looks only at the profile's last N events named `of` (default: named `event`). */
  last?: number;
  /**
   * With `last`: the kind of event the last N are taken from (e.g. "Email Delivered").
   * The count is then how many of those N messages got an `event` (e.g. "Email Opened")
   * with the same `properties.messageId`.
   */
  of?: string;
  /**
   * Only events after the profile's latest event matching this reference (strictly later
   * timestamp), e.g. "no beans since the coffee machine". Without such an event nothing
   * is counted.
   */
  since?: EventRef;
}

/** Names events without counting them: the anchor of `since`. */
export interface EventRef {
  event: string;
  type?: EventType;
  channel?: string;
  where?: PropertyFilter[];
}

export interface NearCondition {
  near: { lat: number; lng: number };
  km: number;
  /** Default: the home address when the profile has coordinates there, else its last known location. */
  at?: 'address' | 'last_location';
}
/** True when the profile granted consent of that kind (email, sms, location...). */
export interface ConsentCondition { consent: string }
/** True when the profile can be reached on that channel. */
export interface ReachableCondition { reachable: string }
/** True when the profile is a member of that segment (membership given by the caller). */
export interface SegmentCondition { segment: string }
/** A deterministic `percent` of profiles, stable per salt (see sample.ts). */
export interface SampleCondition { sample: { percent: number; salt: string } }

export type Condition =
  | AllCondition | AnyCondition | NotCondition
  | TraitCondition | EventCondition | ComputedCondition
  | NearCondition | ConsentCondition | ReachableCondition
  | SegmentCondition | SampleCondition;

export const CONDITION_KINDS = ['all', 'any', 'not', 'trait', 'event', 'computed', 'near', 'consent', 'reachable', 'segment', 'sample'] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** The kind of a parsed condition: the one kind key it carries. */
export function kindOf(c: Condition): ConditionKind {
  for (const k of CONDITION_KINDS) if (k in c) return k;
  throw new Error('not a condition');
}

/** An event as the evaluator reads it; a StoredEvent fits. */
export interface EvalEvent {
  event: string | null;
  type: string;
  channel: string;
  /** Epoch ms. */
  timestamp: number;
  properties: JsonObject;
  context?: JsonObject;
}

export interface EvalProfile {
  id: string;
  traits: JsonObject;
  channels: ChannelReach;
  consent: Record<string, ConsentEntry>;
  /** Kept by the profile module from events' context.location; see `lastKnownLocation`. */
  lastLocation: { lat: number; lng: number; at: number } | null;
}

export interface EvalInput {
  profile: EvalProfile;
  /** The profile's computed-trait values by name. */
  computed: Record<string, unknown>;
  /** Ids of the segments the profile is currently a member of. */
  segments: ReadonlySet<string>;
  /**
   * The profile's events in ascending timestamp order. Events after `now` are treated
   * as not yet happened (they count from their timestamp on). Events older than
   * `requirements(cond).lookback` may be left out without changing the answer.
   */
  events: readonly EvalEvent[];
  /** Optional index from `indexEvents(events)`: same answer, faster with many events. */
  eventsByName?: EventIndex;
}

/** Events grouped by name, each list in ascending timestamp order. */
export type EventIndex = ReadonlyMap<string | null, readonly EvalEvent[]>;

export interface EvalResult { match: boolean; recheckAt: number | null }
