/**
 * What the demo workspace ships besides the example journeys and templates: segments a
 * marketer would write for the mattress brand, a contact policy, the channels on the
 * capture provider, and daily ad spend so attribution can show return on ad spend.
 */
import { SHOWROOM } from './brand.ts';
import { hashSeed } from './rng.ts';

export const DEMO_SEGMENTS: { name: string; description: string; condition: Record<string, unknown> }[] = [
  {
    name: 'Cart abandoners (7 days)',
    description: 'Added something to the cart in the last 7 days and have not bought since.',
    condition: { all: [{ event: 'Product Added', within: '7d' }, { not: { event: 'Order Completed', since: { event: 'Product Added' } } }] },
  },
  {
    name: 'Showroom neighbours',
    description: `Home address within 25 km of the ${SHOWROOM.name}.`,
    condition: { near: { lat: SHOWROOM.lat, lng: SHOWROOM.lng }, km: 25, at: 'address' },
  },
  {
    name: 'VIPs',
    description: 'Lifetime value of $2,000 or more, on any channel.',
    condition: { computed: 'lifetime_value', op: 'gte', value: 2000 },
  },
  {
    name: 'Engaged on email (30 days)',
    description: 'Opened or clicked an email in the last 30 days.',
    condition: { any: [{ event: 'Email Opened', within: '30d' }, { event: 'Email Link Clicked', within: '30d' }] },
  },
  {
    name: 'Viewed the king mattress, did not buy',
    description: 'Looked at the king mattress in the last 30 days, with no order since.',
    condition: {
      all: [
        { event: 'Product Viewed', where: [{ property: 'product', op: 'eq', value: 'King mattress' }], within: '30d' },
        { not: { event: 'Order Completed', since: { event: 'Product Viewed', where: [{ property: 'product', op: 'eq', value: 'King mattress' }] } } },
      ],
    },
  },
];

/** At most 3 marketing messages a week across channels; nothing from 21:00 to 08:00 local (held, not lost). */
export const DEMO_POLICY = {
  caps: [{ channel: 'any', max: 3, per: '7d' }],
  quietHours: { start: '21:00', end: '08:00', action: 'delay', defaultTimezone: 'America/New_York' },
  journeyPriority: 'per_day',
};

/** The capture provider serves these; the demo puts every one of them on it. */
export const DEMO_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'direct_mail', 'in_app', 'webhook'] as const;

/** Daily spend per paid channel (USD); display costs as much as it is worth nothing (effects.ts). */
const DAILY_SPEND: Record<string, number> = {
  paid_search: 180, facebook_ads: 120, instagram_ads: 90, pinterest_ads: 30, youtube_ads: 45, display: 150,
};

export const SPEND_CAMPAIGN = 'demo';

/** Spend rows for the `days` days up to and including today (UTC); each day's amount is fixed by its date. */
export function demoSpend(now: number, days: number): { date: string; channel: string; amount: number; currency: string; campaign: string }[] {
  const out = [];
  for (let d = days - 1; d >= 0; d--) {
    const date = new Date(now - d * 86_400_000).toISOString().slice(0, 10);
    for (const [channel, base] of Object.entries(DAILY_SPEND)) {
      const wobble = 0.8 + (hashSeed(date, channel) % 4001) / 10_000;
      out.push({ date, channel, amount: Math.round(base * wobble * 100) / 100, currency: 'USD', campaign: SPEND_CAMPAIGN });
    }
  }
  return out;
}
