import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { setUpBrand, story, play, example, DAY } from './mattress.ts';

/**
 * SCENARIOS.md §2: the same customer, the same events, but every channel run by its own
 * tool with no shared profile and no goal. The numbers show what joining them saves.
 */
const PROMOTIONS = ['cart-100', 'charity', 'king-150', 'showroom-invite'];
const PURCHASE = 14 * DAY;
const END = 45 * DAY;

async function measure(t: TestOmnis, start: number) {
  const sends = await t.omnis.db.query<{ template_key: string; at: Date }>(`select template_key, coalesce(sent_at, send_at) as at from messages where status = 'sent'`);
  const after = sends.filter(m => m.at.getTime() - start > PURCHASE);
  const auds = await t.omnis.db.query<{ added_at: Date; removed_at: Date | null; frequency_cap: { max: number; per: string } | null }>('select added_at, removed_at, frequency_cap from audience_memberships');
  // Impressions a platform may serve after the purchase: days still in an audience × the daily cap (3 when none is set).
  const impressions = auds.reduce((sum, a) => {
    const out = a.removed_at ? a.removed_at.getTime() - start : END;
    const days = Math.max(0, out - Math.max(PURCHASE, a.added_at.getTime() - start)) / DAY;
    return sum + days * (a.frequency_cap?.max ?? 3);
  }, 0);
  const byTemplate = new Map<string, number>();
  for (const m of sends) byTemplate.set(m.template_key, (byTemplate.get(m.template_key) ?? 0) + 1);
  return {
    promotionsAfterPurchase: after.filter(m => PROMOTIONS.includes(m.template_key)).length,
    adImpressionsAfterPurchase: Math.round(impressions),
    duplicateContacts: [...byTemplate.values()].reduce((a, n) => a + n - 1, 0),
    reviewRequests: byTemplate.get('review-request') ?? 0,
    messagesSent: sends.length,
  };
}

async function run(journeys: (string | Record<string, unknown>)[], policy?: Record<string, unknown>) {
  const t = await startTestOmnis('pglite');
  try {
    const start = t.clock.now();
    const brand = await setUpBrand(t, journeys);
    if (policy) await t.admin('PUT', '/api/v1/contact-policy', policy);
    await play(t, brand.keys, story(), start, END);
    return await measure(t, start);
  } finally { await t.close(); }
}

test('scenario 2: the multichannel baseline against the omnichannel journeys, by numbers', async () => {
  const omni = await run(['cart-journey.json', 'post-purchase-journey.json']);
  const multi = await run(example('multichannel-baseline.json'), { caps: [] });
  const rows = Object.keys(omni) as (keyof typeof omni)[];
  console.log('\n  what the omnichannel version saves (same customer, same events)');
  console.log(`  ${'figure'.padEnd(30)} ${'multichannel'.padStart(12)} ${'omnichannel'.padStart(12)}`);
  for (const k of rows) console.log(`  ${k.padEnd(30)} ${String(multi[k]).padStart(12)} ${String(omni[k]).padStart(12)}`);
  assert.equal(omni.promotionsAfterPurchase, 0);
  assert.equal(omni.adImpressionsAfterPurchase, 0);
  assert.equal(omni.reviewRequests, 1);
  assert.ok(multi.promotionsAfterPurchase >= 2, `multichannel keeps promoting after the purchase: ${multi.promotionsAfterPurchase}`);
  assert.ok(multi.adImpressionsAfterPurchase > 50, `and keeps the ads running: ${multi.adImpressionsAfterPurchase}`);
  assert.equal(multi.reviewRequests, 3, 'the review request is emailed three times');
  assert.ok(multi.duplicateContacts > omni.duplicateContacts);
});
