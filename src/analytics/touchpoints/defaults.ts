/**
 * The built-in taxonomy. Message and ad events first (their names are unambiguous), then
 * offline and marketplace sources, then web pages the way GA4's default channel grouping
 * reads them: click ids, then UTM medium and source, then the referrer's host, else direct.
 */
import type { Condition, Rule, Taxonomy } from './types.ts';

const track = (...names: string[]): Condition[] => [{ field: 'type', op: 'eq', value: 'track' }, { field: 'event', op: 'in', value: names }];
const page = (...more: Condition[]): Condition[] => [{ field: 'type', op: 'eq', value: 'page' }, ...more];
const medium = (op: Condition['op'], value: Condition['value']): Condition => ({ field: 'utm.medium', op, value });

const SOCIAL = String.raw`(^|[.])(facebook|fb|ig|instagram|meta|twitter|x|t\.co|linkedin|lnkd|pinterest|reddit|tiktok|youtube|snapchat|threads|weibo|wechat|vk)([.]|$)`;
const SEARCH = String.raw`(^|[.])(google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|naver|sogou|seznam|qwant|startpage|brave)([.]|$)`;
const PAID = String.raw`^(.*cp.*|ppc|retargeting|paid.*)$`;
const ADS_FROM = { field: 'properties.platform', suffix: '_ads' };

export const DEFAULT_RULES: Rule[] = [
  { if: track('Email Opened', 'Email Link Clicked', 'Email Clicked'), channel: 'email' },
  { if: track('SMS Link Clicked', 'SMS Replied'), channel: 'sms' },
  { if: track('Push Opened'), channel: 'push' },
  { if: track('Messenger Message Received'), channel: 'messenger' },
  { if: track('Ad Impression', 'Ad Clicked'), channel: 'ads', channelFrom: ADS_FROM },
  { if: { field: 'channel', op: 'eq', value: 'ads' }, channel: 'ads', channelFrom: ADS_FROM },
  { if: track('Direct Mail Delivered'), channel: 'direct_mail', offline: true },
  { if: track('Store Visited'), channel: 'store', offline: true },
  { if: { field: 'channel', op: 'in', value: ['pos', 'store'] }, channel: 'store', offline: true },
  { if: { field: 'channel', op: 'eq', value: 'marketplace' }, channel: 'marketplace' },
  // Click ids are added by the ad platform itself, so they outrank hand-typed UTM tags.
  { if: page({ field: 'query.gclid', op: 'exists' }), channel: 'paid_search' },
  { if: page({ field: 'query.wbraid', op: 'exists' }), channel: 'paid_search' },
  { if: page({ field: 'query.gbraid', op: 'exists' }), channel: 'paid_search' },
  { if: page({ field: 'query.msclkid', op: 'exists' }), channel: 'paid_search' },
  { if: page({ field: 'query.fbclid', op: 'exists' }), channel: 'paid_social' },
  { if: page({ field: 'query.ttclid', op: 'exists' }), channel: 'paid_social' },
  { if: page({ field: 'query.twclid', op: 'exists' }), channel: 'paid_social' },
  { if: page({ field: 'query.li_fat_id', op: 'exists' }), channel: 'paid_social' },
  { if: page(medium('in', ['display', 'banner', 'cpm', 'expandable', 'interstitial'])), channel: 'display' },
  { if: page(medium('matches', PAID), { field: 'utm.source', op: 'matches', value: SOCIAL }), channel: 'paid_social' },
  { if: page(medium('matches', PAID)), channel: 'paid_search' },
  { if: page(medium('matches', '^e[-_ ]?mail$')), channel: 'email' },
  { if: page({ field: 'utm.source', op: 'matches', value: '^e[-_ ]?mail$' }), channel: 'email' },
  { if: page(medium('in', ['sms', 'text'])), channel: 'sms' },
  { if: page(medium('in', ['push', 'notification', 'mobile'])), channel: 'push' },
  { if: page(medium('eq', 'affiliate')), channel: 'affiliate' },
  { if: page(medium('in', ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media', 'organic_social'])), channel: 'organic_social' },
  { if: page({ field: 'utm.source', op: 'matches', value: SOCIAL }), channel: 'organic_social' },
  { if: page(medium('eq', 'organic')), channel: 'organic_search' },
  { if: page(medium('in', ['referral', 'link'])), channel: 'referral' },
  { if: page({ field: 'utm.source', op: 'exists' }), channel: 'other' },
  { if: page({ field: 'utm.medium', op: 'exists' }), channel: 'other' },
  // A click from one page of the site to another continues a visit; it is no way in.
  { if: page({ field: 'referrer.internal', op: 'eq', value: 'true' }), channel: null },
  { if: page({ field: 'referrer.host', op: 'matches', value: SEARCH }), channel: 'organic_search' },
  { if: page({ field: 'referrer.host', op: 'matches', value: SOCIAL }), channel: 'organic_social' },
  { if: page({ field: 'referrer.host', op: 'exists' }), channel: 'referral' },
  { if: page(), channel: 'direct' },
];

export const DEFAULT_CONVERSION_EVENT = 'Order Completed';

export function defaultTaxonomy(): Taxonomy {
  return {
    rules: structuredClone(DEFAULT_RULES),
    channels: { store: { offline: true }, direct_mail: { offline: true } },
    conversion: { event: DEFAULT_CONVERSION_EVENT },
    sessionGap: '30m',
  };
}
