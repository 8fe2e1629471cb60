/**
 * Computed traits: per-profile values derived from events and kept current like
 * segments (recomputed after a relevant event and at `recheckAt`), shown on the profile
 * as `computed` and usable in conditions as {"computed": name, ...}.
 *
 * A user definition aggregates one event (and property) with `where` and `within`:
 * - count: matching events. sum/min/max: of the numeric values of `property` (numeric
 *   strings count; arrays through "products.price" add every element).
 * - first/last: `property` at the earliest/latest matching event that has it, or that
 *   event's time as an ISO string when no property is given.
 * - most_frequent: the commonest value of `property` (ties: the most recent).
 * - distinct_count: how many different values `property` took.
 * Built-ins (builtins.ts) cover what one definition cannot say.
 */
import type { PropertyFilter, EvalEvent } from '../condition/index.ts';
import type { Json } from '../../shared/index.ts';

export const COMPUTED_KINDS = ['count', 'sum', 'min', 'max', 'first', 'last', 'most_frequent', 'distinct_count'] as const;
export type ComputedKind = (typeof COMPUTED_KINDS)[number];

/** The kinds that aggregate a property and so need one. */
export const NEEDS_PROPERTY: ReadonlySet<ComputedKind> = new Set(['sum', 'min', 'max', 'most_frequent', 'distinct_count']);

export interface ComputedTraitDef {
  /** snake_case, unique per workspace, not a built-in's name. */
  name: string;
  kind: ComputedKind;
  /** An event name, or "*" for any. */
  event: string;
  /** A dotted path into the event's properties. */
  property?: string;
  where?: PropertyFilter[];
  /** Only events in this window ("30d"); default: all time. */
  within?: string;
  /** Only events on this channel. */
  channel?: string;
}

export interface TraitResult {
  value: Json;
  /** The earliest later time the value can change with no new event; null: only new events change it. */
  recheckAt: number | null;
}

/** A computed trait ready to run: a compiled definition or a built-in. */
export interface ComputedTrait {
  readonly name: string;
  /**
   * Whether an event with this name (and channel, when known) can change the value, so other
   * events skip it. "*" leaves Omnis's own events (channel internal) out unless it asks for that channel.
   */
  relevant(eventName: string | null, channel?: string): boolean;
  /** How far back events matter, in ms; null: all of them. */
  readonly lookback: number | null;
  /** The value at `now` from the profile's events (ascending by timestamp; later ones not yet happened). */
  compute(events: readonly EvalEvent[], now: number): TraitResult;
}
