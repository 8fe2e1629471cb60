/**
 * Touchpoint taxonomy types.
 *
 * Glossary
 * - touchpoint: a stored event that counts as the customer being reached through a
 *   marketing channel (a page view from a Google ad, an email click, a store visit).
 *   Events no rule claims are not touchpoints: a product view is behaviour, not a channel.
 * - touchpoint channel: the name the taxonomy gives a touchpoint ("paid_search",
 *   "email", "store"). Not the same as the event's own `channel` column, which says where
 *   the event was recorded (web, app, pos).
 * - rule: `{ if, channel }`. Rules are tried in order and the first whose conditions all
 *   hold names the channel; `channel: null` means "not a touchpoint" and stops the search.
 * - offline: a channel the customer met in the physical world (a showroom, direct mail),
 *   so reports can split online from offline credit.
 * - session gap: a touch of the same channel as the profile's previous touch, less than
 *   this after it, continues the same visit and is not counted again; so is a `direct`
 *   page view right after any touch (the visitor clicking on through the site).
 * - conversion: a track event with the configured name; its value is `properties.revenue`,
 *   else `properties.total`, else 0 (or the property the request names). A conversion that
 *   a rule also claims (an order at the POS) is a touch too, the last of its own journey.
 * - classified touches: analytics_touches holds each event's channel once it has been
 *   worked out, under a hash of the rules; new rules start the workspace over.
 *
 * Text comparisons in rules ignore case; `matches` is a Postgres regular expression.
 */

export const CONDITION_OPS = ['eq', 'neq', 'in', 'contains', 'exists', 'matches', 'gt', 'gte', 'lt', 'lte'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export type Scalar = string | number | boolean;

export interface Condition {
  /** See FIELD_HELP: a column (type, event, name, channel), a body path (properties.x,
   *  context.x, traits.x) or a derived field (utm.medium, query.gclid, referrer.host...). */
  field: string;
  op: ConditionOp;
  /** eq, neq, contains: a scalar; in: a list; matches: a regular expression
   *  (case-insensitive, Postgres syntax); gt/gte/lt/lte: a number; exists: none. */
  value?: Scalar | Scalar[];
}

export interface Rule {
  /** One condition, or a list that must all hold. */
  if: Condition | Condition[];
  /** The touchpoint channel; null: the event is not a touchpoint. */
  channel: string | null;
  /** Marks the channel offline (same as `channels[channel].offline`). Default false. */
  offline?: boolean;
  /** Names the channel after a field instead when it has a value, e.g. properties.platform
   *  "Facebook" with suffix "_ads" gives "facebook_ads"; `channel` is the fallback. */
  channelFrom?: { field: string; suffix?: string };
}

export interface ChannelInfo {
  /** Default false. */
  offline?: boolean;
}

export interface Taxonomy {
  rules: Rule[];
  /** Flags per touchpoint channel name. */
  channels: Record<string, ChannelInfo>;
  /** Default `{ event: "Order Completed" }`. */
  conversion: { event: string };
  /** A duration ("30m", "0s" to count every touch). Default "30m". */
  sessionGap: string;
}

/** The taxonomy as stored for a workspace, and whether it is the built-in default. */
export interface StoredTaxonomy extends Taxonomy {
  isDefault: boolean;
  /** ISO time of the last change; null for the default. */
  updatedAt: string | null;
}

/** The channel a conversion with no touch in its lookback is credited to. */
export const DIRECT = 'direct';
