/**
 * Scenario 1 (the mattress retailer) written as journeys: the definition language must
 * express it with no custom code. The engine's behaviour is tested elsewhere; here the
 * journeys parse, publish, and name what they use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney } from './parse.ts';
import { referencedTemplates, validateForPublish } from './publish.ts';

const SHOWROOM = { lat: 40.7411, lng: -73.9897 };
const ADS = ['facebook', 'instagram', 'pinterest', 'youtube'];

const MATTRESS_CART = {
  name: 'Mattress cart abandonment',
  entry: { event: 'Product Added', where: [{ property: 'category', op: 'eq', value: 'mattress' }] },
  reentry: { after: '30d' },
  goal: { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'mattress' }], within: '60d' },
  exit: [{ event: 'Unsubscribed' }],
  priority: 10,
  start: 'email_100',
  steps: {
    email_100: { type: 'send', channel: 'email', template: 'cart-offer', offer: { code: 'SAVE100', amount: 100, product: 'queen' }, next: 'ads_100' },
    ads_100: { type: 'audience', action: 'add', audience: 'mattress-cart', platforms: ADS, for: '7d', frequency_cap: { max: 3, per: '1d' }, offer: { code: 'SAVE100', amount: 100 }, next: 'watch_week1' },
    watch_week1: {
      type: 'wait_event',
      events: [
        { event: 'Product Viewed', where: [{ property: 'size', op: 'eq', value: 'king' }], next: 'king_ads_off' },
        { event: 'Email Link Clicked', channel: 'email', next: 'watch_checkout' },
      ],
      timeout: '7d', on_timeout: 'charity_email',
    },
    charity_email: { type: 'send', channel: 'email', template: 'our-charity', next: 'charity_ads' },
    charity_ads: { type: 'audience', action: 'add', audience: 'mattress-charity', platforms: ADS, for: '7d', frequency_cap: { max: 2, per: '1d' }, next: 'watch_week2' },
    watch_week2: {
      type: 'wait_event',
      events: [{ event: 'Product Viewed', where: [{ property: 'size', op: 'eq', value: 'king' }], next: 'king_ads_off' }],
      timeout: '14d', on_timeout: 'done',
    },
    king_ads_off: { type: 'audience', action: 'remove', audience: 'mattress-cart', next: 'king_email' },
    king_email: { type: 'send', channel: 'email', template: 'cart-offer', offer: { code: 'SAVE150', amount: 150, product: 'king' }, next: 'king_ads' },
    king_ads: { type: 'audience', action: 'add', audience: 'mattress-king', platforms: ADS, for: '7d', frequency_cap: { max: 3, per: '1d' }, offer: { code: 'SAVE150', amount: 150 }, next: 'watch_checkout' },
    watch_checkout: {
      type: 'wait_event',
      events: [{ event: 'Checkout Step Completed', where: [{ property: 'step', op: 'eq', value: 'delivery' }], next: 'two_days' }],
      timeout: '14d', on_timeout: 'done',
    },
    two_days: { type: 'wait', for: '2d', next: 'near_showroom' },
    near_showroom: { type: 'branch', cases: [{ if: { near: SHOWROOM, km: 40, at: 'address' }, next: 'invite' }], else: 'done' },
    invite: { type: 'send', channel: 'direct_mail', template: 'showroom-invite', offer: { code: 'SAVE150', amount: 150 }, next: 'done' },
    done: { type: 'exit' },
  },
};

const AFTER_PURCHASE = {
  name: 'Mattress after purchase',
  entry: { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'mattress' }] },
  reentry: 'after_exit',
  exit: [{ event: 'Unsubscribed' }],
  priority: 20,
  start: 'thanks',
  steps: {
    thanks: { type: 'send', channel: 'email', template: 'thank-you', purpose: 'transactional', next: 'a_week' },
    a_week: { type: 'wait', for: '7d', next: 'review' },
    review: { type: 'send', channel: ['email', 'messenger'], template: { email: 'review-request', messenger: 'review-request-short' }, fallback_after: '3d', next: 'wait_review' },
    wait_review: {
      type: 'wait_event',
      events: [{ event: 'Review Submitted', where: [{ property: 'rating', op: 'gte', value: 4 }], next: 'next_week' }],
      timeout: '21d', on_timeout: 'done',
    },
    next_week: { type: 'wait', until: { local_time: '10:00', days: ['tue'] }, next: 'referral_mail' },
    referral_mail: { type: 'send', channel: 'direct_mail', template: 'referral', next: 'referral_messenger' },
    referral_messenger: { type: 'send', channel: 'messenger', template: 'referral', next: 'mark' },
    mark: { type: 'update', traits: { referral_invited: true }, next: 'done' },
    done: { type: 'exit' },
  },
};

test('scenario 1 is two journeys the language expresses as they are', () => {
  const cart = parseJourney(MATTRESS_CART);
  const after = parseJourney(AFTER_PURCHASE);
  assert.equal(Object.keys(cart.steps).length, 14);
  assert.equal(after.steps.thanks.type === 'send' && after.steps.thanks.purpose, 'transactional');
  const keys = [...referencedTemplates(cart), ...referencedTemplates(after)].map(r => `${r.channel}:${r.key}`);
  assert.deepEqual([...new Set(keys)], ['email:cart-offer', 'email:our-charity', 'direct_mail:showroom-invite', 'email:thank-you', 'email:review-request', 'messenger:review-request-short', 'direct_mail:referral', 'messenger:referral']);
  const known = new Set(keys);
  for (const j of [MATTRESS_CART, AFTER_PURCHASE]) assert.ok(validateForPublish(j, { templateExists: (k, c) => known.has(`${c}:${k}`) }));
});
