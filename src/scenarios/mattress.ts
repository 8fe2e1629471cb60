import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { advanceTo, type TestOmnis } from '../testing/index.ts';

/**
 * SCENARIOS.md §1 as data: the example journeys and templates the project ships, and the
 * customer's event stream, sent through the tracking API from the source each event comes
 * from (web, marketplace, Facebook, email, Messenger, POS), on a virtual clock.
 */
const EXAMPLES = fileURLToPath(new URL('../../examples/mattress/', import.meta.url));
export const example = (name: string) => JSON.parse(readFileSync(EXAMPLES + name, 'utf8'));

export const H = 3_600_000;
export const DAY = 24 * H;
export const SHOWROOM_ADDRESS = { line1: '22 W 19th St', city: 'New York', state: 'NY', postalCode: '10011', country: 'US', lat: 40.7397, lng: -73.9903 };
export const CUSTOMER_ADDRESS = { line1: '135 Plymouth St', city: 'Brooklyn', state: 'NY', postalCode: '11201', country: 'US', lat: 40.7033, lng: -73.9881 };

export type Source = 'web' | 'marketplace' | 'facebook' | 'email' | 'messenger' | 'pos';

export async function setUpBrand(t: TestOmnis, journeys: (string | Record<string, unknown>)[] = ['cart-journey.json', 'post-purchase-journey.json']) {
  for (const ch of ['email', 'sms', 'messenger', 'direct_mail', 'push']) await t.omnis.messaging.channels.put('default', ch, { provider: 'capture', settings: {} });
  for (const tpl of example('templates.json')) {
    const r = await t.admin('POST', '/api/v1/templates', tpl);
    if (r.status !== 201) throw new Error(`template ${tpl.key}: ${JSON.stringify(r.json)}`);
  }
  const ids: string[] = [];
  for (const file of journeys) {
    const def = typeof file === 'string' && file.endsWith('.json') ? example(file) : file;
    const j = await t.admin('POST', '/api/v1/journeys', def);
    if (j.status !== 201) throw new Error(`journey ${def.name}: ${JSON.stringify(j.json)}`);
    const p = await t.admin('POST', `/api/v1/journeys/${j.json.id}/publish`);
    if (p.status !== 200) throw new Error(`publish ${def.name}: ${JSON.stringify(p.json)}`);
    ids.push(j.json.id);
  }
  const keys = {} as Record<Source, string>;
  for (const source of ['web', 'marketplace', 'facebook', 'email', 'messenger', 'pos'] as const) {
    const channel = source === 'facebook' ? 'ads' : source;
    keys[source] = (await t.admin('POST', '/api/v1/keys', { kind: 'write', name: source, source, channel })).json.secret;
  }
  return { journeyIds: ids, keys };
}

export interface Step { at: number; source: Source; call: 'track' | 'page' | 'identify'; body: Record<string, unknown> }

/** The customer's story; `at` is ms after the first visit. */
export function story(): Step[] {
  const anon = 'browser-7f3a';
  const email = 'maya.r@example.com';
  return [
    { at: 0, source: 'web', call: 'page', body: { anonymousId: anon, name: 'Queen mattress', properties: { path: '/mattresses/queen' }, context: { campaign: { source: 'google', medium: 'cpc' } } } },
    { at: 60_000, source: 'web', call: 'identify', body: { anonymousId: anon, traits: { email, firstName: 'Maya' }, context: { consent: { categoryPreferences: { email: true, messenger: true, advertising: true, direct_mail: true } } } } },
    { at: 120_000, source: 'web', call: 'track', body: { anonymousId: anon, event: 'Product Added', properties: { product: 'Queen mattress', category: 'mattress', price: 1299 } } },
    { at: H + 5 * 60_000, source: 'email', call: 'track', body: { userId: undefined, anonymousId: anon, event: 'Email Delivered', properties: { template: 'cart-100' }, context: { traits: { email } } } },
    { at: 3 * DAY, source: 'messenger', call: 'track', body: { anonymousId: `psid-${anon}`, event: 'Messenger Message Received', properties: { text: 'Do you have the king size in stock?' }, context: { externalIds: [{ id: 'psid-99172', type: 'messenger_psid', collection: 'users', encoding: 'none' }], traits: { email } } } },
    { at: 5 * DAY, source: 'marketplace', call: 'track', body: { anonymousId: anon, event: 'Product Viewed', properties: { product: 'Queen mattress', marketplace: 'amazon' }, context: { traits: { email } } } },
    { at: 10 * DAY, source: 'web', call: 'track', body: { anonymousId: anon, event: 'Video Watched', properties: { title: 'How our mattresses are made' } } },
    { at: 10 * DAY + 60_000, source: 'web', call: 'track', body: { anonymousId: anon, event: 'Product Viewed', properties: { product: 'King mattress', category: 'mattress', price: 1849 } } },
    { at: 10 * DAY + H, source: 'facebook', call: 'track', body: { anonymousId: anon, event: 'Ad Clicked', properties: { platform: 'facebook', audience: 'mattress-150' }, context: { traits: { email } } } },
    { at: 10 * DAY + H + 60_000, source: 'web', call: 'identify', body: { anonymousId: anon, traits: { phone: '+1 718 555 0147', address: CUSTOMER_ADDRESS } } },
    { at: 10 * DAY + H + 120_000, source: 'web', call: 'track', body: { anonymousId: anon, event: 'Checkout Started', properties: { product: 'King mattress', value: 1699 } } },
    { at: 14 * DAY, source: 'pos', call: 'track', body: { userId: 'pos-55012', event: 'Order Completed', properties: { order_id: 'NYC-1042', total: 1699, products: [{ product: 'King mattress', category: 'mattress' }], store: 'New York showroom' }, context: { traits: { phone: '(718) 555-0147', email } } } },
    { at: 25 * DAY, source: 'messenger', call: 'track', body: { anonymousId: 'psid-99172-chat', event: 'Review Submitted', properties: { rating: 5, text: 'Best sleep in years' }, context: { externalIds: [{ id: 'psid-99172', type: 'messenger_psid', collection: 'users', encoding: 'none' }] } } },
  ];
}

/** Plays the story: the clock moves to each event's time, timers and sends due by then fire first. */
export async function play(t: TestOmnis, keys: Record<Source, string>, steps: Step[], start: number, end: number, onStep?: (s: Step) => Promise<void>) {
  for (const s of steps) {
    await advanceTo(t, start + s.at);
    const auth = 'Basic ' + Buffer.from(`${keys[s.source]}:`).toString('base64');
    const r = await t.app.inject({ method: 'POST', url: `/v1/${s.call}`, payload: JSON.stringify({ ...s.body, timestamp: new Date(start + s.at).toISOString() }), headers: { authorization: auth, 'content-type': 'application/json' } });
    if (r.statusCode !== 200 || JSON.parse(r.body).rejected.length) throw new Error(`${s.call} at +${s.at}: ${r.body}`);
    await t.omnis.settle();
    await onStep?.(s);
  }
  await advanceTo(t, start + end);
}
