/**
 * Built-in computed traits, for what one definition cannot say (several events, refunds,
 * products inside orders). Each reads all of the profile's events up to `now`; each
 * re-checks only when a relevant event stamped after `now` arrives.
 */
import { firstAfter, toNumber, type EvalEvent, type Scalar } from '../condition/index.ts';
import type { Json } from '../../shared/index.ts';
import type { ComputedTrait, TraitResult } from './types.ts';
import { Tally } from './tally.ts';
import { tidy } from './compute.ts';

const ORDER_COMPLETED = 'Order Completed';
const ORDER_REFUNDED = 'Order Refunded';

function builtin(name: string, relevant: (event: string | null) => boolean, value: (events: readonly EvalEvent[], end: number) => Json): ComputedTrait {
  return {
    name,
    lookback: null,
    relevant,
    compute(events, now): TraitResult {
      const end = firstAfter(events, now);
      let at: number | null = null;
      for (let i = end; i < events.length; i++) if (relevant(events[i].event)) { at = events[i].timestamp; break; }
      return { value: value(events, end), recheckAt: at };
    },
  };
}

const oneOf = (...names: string[]) => { const set = new Set(names); return (e: string | null) => e !== null && set.has(e); };

function orderId(e: EvalEvent): string | undefined {
  const id = e.properties.order_id ?? e.properties.orderId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** What the order brought in: `revenue`, else `total`, else the sum of products' price × quantity. */
function orderValue(e: EvalEvent): number {
  const p = e.properties;
  const direct = toNumber(p.revenue) ?? toNumber(p.total);
  if (direct !== undefined) return direct;
  let sum = 0;
  if (Array.isArray(p.products)) {
    for (const item of p.products) {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
      sum += (toNumber(item.price) ?? 0) * (toNumber(item.quantity) ?? 1);
    }
  }
  return sum;
}

/**
 * Orders resent under a new messageId are counted once per `order_id`; refunds subtract
 * their `total` (or `revenue`/`amount`), or the whole order when they name only its id.
 * Currencies are not converted: a workspace is assumed to sell in one.
 */
export const lifetimeValue = builtin('lifetime_value', oneOf(ORDER_COMPLETED, ORDER_REFUNDED), (events, end) => {
  const orders = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < end; i++) {
    const e = events[i];
    if (e.event === ORDER_COMPLETED) {
      const id = orderId(e), v = orderValue(e);
      if (id !== undefined) { if (orders.has(id)) continue; orders.set(id, v); }
      total += v;
    } else if (e.event === ORDER_REFUNDED) {
      const p = e.properties, id = orderId(e);
      total -= toNumber(p.total) ?? toNumber(p.revenue) ?? toNumber(p.amount) ?? (id !== undefined ? orders.get(id) ?? 0 : 0);
    }
  }
  return Math.round(tidy(total) * 100) / 100;
});

export const orderCount = builtin('order_count', oneOf(ORDER_COMPLETED), (events, end) => {
  const seen = new Set<string>();
  let n = 0;
  for (let i = 0; i < end; i++) {
    const e = events[i];
    if (e.event !== ORDER_COMPLETED) continue;
    const id = orderId(e);
    if (id !== undefined) { if (seen.has(id)) continue; seen.add(id); }
    n++;
  }
  return n;
});

export const lastPurchaseAt = builtin('last_purchase_at', oneOf(ORDER_COMPLETED), (events, end) => {
  for (let i = end - 1; i >= 0; i--) if (events[i].event === ORDER_COMPLETED) return new Date(events[i].timestamp).toISOString();
  return null;
});

/** Channels a message can reach someone on; engagement on web or in store is not a messaging preference. */
const MESSAGE_CHANNELS = new Set(['email', 'sms', 'push', 'messenger', 'whatsapp', 'wechat', 'in_app', 'direct_mail']);
const ENGAGEMENT_RE = /\b(?:Opened|Clicked|Replied|Received|Read|Tapped|Viewed)$/;
const NAME_CHANNEL: Record<string, string> = { email: 'email', sms: 'sms', push: 'push', messenger: 'messenger', whatsapp: 'whatsapp', wechat: 'wechat', 'in-app': 'in_app', in_app: 'in_app' };

// Event names repeat endlessly, so each is tested against the pattern once.
const engagementNames = new Map<string, boolean>();
function isEngagement(name: string | null): boolean {
  if (name === null) return false;
  let yes = engagementNames.get(name);
  if (yes === undefined) {
    yes = ENGAGEMENT_RE.test(name);
    if (engagementNames.size > 10_000) engagementNames.clear();
    engagementNames.set(name, yes);
  }
  return yes;
}

/** The messaging channel an engagement event is about: its own channel, else the name's first word ("SMS Replied"). */
function engagementChannel(e: EvalEvent): string | undefined {
  if (!isEngagement(e.event)) return undefined;
  if (MESSAGE_CHANNELS.has(e.channel)) return e.channel;
  return NAME_CHANNEL[(e.event as string).split(' ')[0].toLowerCase()];
}

/** Where they engage most: opens, clicks, replies, reads of messages per channel; ties go to the most recent. */
export const preferredChannel = builtin('preferred_channel', isEngagement, (events, end) => {
  const tally = new Tally();
  for (let i = 0; i < end; i++) {
    const ch = engagementChannel(events[i]);
    if (ch !== undefined) tally.add(ch);
  }
  return tally.best();
});

/** Counts `key` of each product of an order-like event (properties.products[]) into the tally. */
function eachProduct(p: EvalEvent['properties'], key: string, tally: Tally, normalize?: (s: Scalar) => Scalar): void {
  const products = p.products;
  if (!Array.isArray(products)) return;
  for (const item of products) if (item !== null && typeof item === 'object' && !Array.isArray(item)) tally.add(item[key], normalize);
}

const CATEGORY_EVENTS = oneOf('Product Viewed', 'Product Added', ORDER_COMPLETED);

/** The category they view, add and buy most, counting every product of an order. */
export const favoriteCategory = builtin('favorite_category', CATEGORY_EVENTS, (events, end) => {
  const tally = new Tally();
  for (let i = 0; i < end; i++) {
    const e = events[i];
    if (!CATEGORY_EVENTS(e.event)) continue;
    tally.add(e.properties.category);
    eachProduct(e.properties, 'category', tally);
  }
  return tally.best();
});

const SIZE_EVENTS = oneOf('Products Searched', 'Product List Filtered', 'Product Viewed', 'Product Added', ORDER_COMPLETED);

// Sizes are a small vocabulary: normalise each spelling once.
const sizeSpellings = new Map<string, string | null>();
/** "m", " M " and "M" are one size; 42 and "42" too. */
function normalizeSize(s: Scalar): Scalar {
  if (typeof s !== 'string' && typeof s !== 'number') return null;
  const raw = String(s);
  let n = sizeSpellings.get(raw);
  if (n === undefined) {
    n = raw.trim().toUpperCase() || null;
    if (sizeSpellings.size > 10_000) sizeSpellings.clear();
    sizeSpellings.set(raw, n);
  }
  return n;
}

/**
 * The size they search, filter, view and buy most (online or at the POS), which is what
 * pre-filters listings. Reads properties.size, properties.filters.size, the Segment-spec
 * filters list ([{type: "size", value: "M"}]) and products[].size.
 */
export const preferredSize = builtin('preferred_size', SIZE_EVENTS, (events, end) => {
  const tally = new Tally();
  for (let i = 0; i < end; i++) {
    const e = events[i];
    if (!SIZE_EVENTS(e.event)) continue;
    const p = e.properties;
    tally.add(p.size, normalizeSize);
    eachProduct(p, 'size', tally, normalizeSize);
    const filters = p.filters;
    if (Array.isArray(filters)) {
      for (const f of filters) {
        if (f !== null && typeof f === 'object' && !Array.isArray(f) && (f.type === 'size' || f.name === 'size')) tally.add(f.value, normalizeSize);
      }
    } else if (filters !== null && typeof filters === 'object') tally.add(filters.size, normalizeSize);
  }
  return tally.best();
});

export const BUILTIN_TRAITS: readonly ComputedTrait[] = [lifetimeValue, orderCount, lastPurchaseAt, preferredChannel, favoriteCategory, preferredSize];
export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_TRAITS.map(t => t.name));
