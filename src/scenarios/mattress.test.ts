import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { setUpBrand, story, play, DAY, H } from './mattress.ts';

interface Msg { step_id: string; channel: string; template_key: string; status: string; reason: string | null; at: Date; journey_id: string; context: { offer?: { amount?: number } } }
interface Aud { audience: string; added_at: Date; removed_at: Date | null; removed_reason: string | null; offer: { amount?: number } | null; platforms: string[]; frequency_cap: { max: number } | null }

forEachStore('scenario 1: the mattress retailer, from abandoned cart to referral', kind => {
  let t: TestOmnis;
  let start: number;
  let cart: string, post: string;
  let msgs: Msg[];
  let auds: Aud[];
  let profileId: string;
  const rel = (d: Date) => d.getTime() - start;

  before(async () => {
    t = await startTestOmnis(kind);
    start = t.clock.now();
    const brand = await setUpBrand(t);
    [cart, post] = brand.journeyIds;
    await play(t, brand.keys, story(), start, 40 * DAY);
    profileId = (await t.admin('GET', `/api/v1/profiles?identifier=${encodeURIComponent('email:maya.r@example.com')}`)).json.id;
    msgs = await t.omnis.db.query<Msg>(
      `select step_id, channel, template_key, status, reason, coalesce(sent_at, send_at) as at, journey_id, context from messages where profile_id = $1 order by coalesce(sent_at, send_at), created_at, step_id`, [profileId]);
    auds = await t.omnis.db.query<Aud>('select audience, added_at, removed_at, removed_reason, offer, platforms, frequency_cap from audience_memberships where profile_id = $1 order by added_at, audience', [profileId]);
  });
  after(async () => { await t.close(); });

  test('1. the anonymous browser, the pop-up email, Messenger, the marketplace and the POS purchase are one profile', async () => {
    const p = (await t.admin('GET', `/api/v1/profiles/${profileId}`)).json;
    const types = new Set(p.identities.map((i: { type: string }) => i.type));
    for (const ty of ['anonymous_id', 'email', 'phone', 'user_id', 'messenger_psid']) assert.ok(types.has(ty), ty);
    assert.deepEqual(Object.keys(p.seen).sort(), ['ads', 'email', 'marketplace', 'messenger', 'pos', 'web']);
    const tl = (await t.admin('GET', `/api/v1/profiles/${profileId}/events?limit=200`)).json.events;
    assert.ok(tl.some((e: { event: string; channel: string }) => e.event === 'Order Completed' && e.channel === 'pos'));
  });

  test('2-3. an hour after the cart: the $100 email, and the same $100 offer in four ad audiences, capped', () => {
    const first = msgs[0];
    assert.equal(first.template_key, 'cart-100');
    assert.equal(first.status, 'sent');
    assert.equal(rel(first.at), 2 * 60_000 + H);
    assert.equal(first.context.offer?.amount, 100);
    const a = auds.find(x => x.audience === 'mattress-100')!;
    assert.equal(rel(a.added_at), 2 * 60_000 + H);
    assert.deepEqual(a.platforms, ['facebook', 'instagram', 'pinterest', 'youtube']);
    assert.equal(a.offer?.amount, 100);
    assert.equal(a.frequency_cap?.max, 3);
    assert.equal(rel(a.removed_at!), 2 * 60_000 + H + 7 * DAY, 'out of the $100 audiences after a week');
  });

  test('4. a quiet week later: charity content instead of the discount, in email and ads', () => {
    const charity = msgs.find(m => m.template_key === 'charity')!;
    assert.equal(rel(charity.at), 2 * 60_000 + H + 7 * DAY);
    const a = auds.find(x => x.audience === 'brand-charity')!;
    assert.equal(rel(a.added_at), rel(charity.at));
    assert.equal(a.offer, null);
  });

  test('5. back on the king mattress page: a $150 king email and $150 ads, the charity ads stop', () => {
    const king = msgs.find(m => m.template_key === 'king-150')!;
    assert.equal(rel(king.at), 10 * DAY + 60_000);
    assert.equal(king.context.offer?.amount, 150);
    const charity = auds.find(x => x.audience === 'brand-charity')!;
    assert.equal(rel(charity.removed_at!), 10 * DAY + 60_000);
    const a150 = auds.find(x => x.audience === 'mattress-150')!;
    assert.equal(rel(a150.added_at), 10 * DAY + 60_000);
    assert.equal(a150.offer?.amount, 150);
  });

  test('6-7. checkout abandoned near the showroom: two days later, a direct-mail invitation', () => {
    const invite = msgs.find(m => m.template_key === 'showroom-invite')!;
    assert.equal(invite.channel, 'direct_mail');
    assert.equal(invite.status, 'sent');
    assert.equal(rel(invite.at), 10 * DAY + H + 120_000 + 2 * DAY);
  });

  test('8-9. the showroom purchase meets the goal: every ad audience is left at once, nothing else goes out, a thank-you email does', async () => {
    const purchase = 14 * DAY;
    const run = (await t.omnis.db.query<{ status: string; ended_at: Date; revenue: number }>('select status, ended_at, revenue from journey_runs where journey_id = $1 and profile_id = $2', [cart, profileId]))[0];
    assert.equal(run.status, 'converted');
    assert.equal(rel(run.ended_at), purchase);
    assert.equal(Number(run.revenue), 1699);
    const open = auds.filter(a => !a.removed_at || rel(a.removed_at) > purchase);
    assert.deepEqual(open, [], 'all mattress ads stop');
    const a150 = auds.find(x => x.audience === 'mattress-150')!;
    assert.equal(a150.removed_reason, 'goal reached');
    assert.equal(rel(a150.removed_at!), purchase);
    const cartAfter = msgs.filter(m => m.journey_id === cart && rel(m.at) > purchase && m.status !== 'cancelled');
    assert.deepEqual(cartAfter, [], 'no cart message after the purchase');
    const thanks = msgs.find(m => m.template_key === 'thank-you')!;
    assert.equal(rel(thanks.at), purchase);
    assert.equal(thanks.status, 'sent');
  });

  test('10. a week later the review request; ignored by email, it falls back to Messenger, where a 5-star review comes in', () => {
    const review = msgs.filter(m => m.step_id === 'review');
    assert.deepEqual(review.map(m => [m.channel, m.status, rel(m.at)]), [
      ['email', 'sent', 21 * DAY],
      ['messenger', 'sent', 24 * DAY],
    ]);
  });

  test('11. satisfied: a week after the review, the referral invitation by direct mail and Messenger', async () => {
    const referral = msgs.filter(m => m.template_key.startsWith('referral'));
    assert.deepEqual(referral.map(m => [m.channel, m.status, rel(m.at)]).sort(), [
      ['direct_mail', 'sent', 32 * DAY],
      ['messenger', 'sent', 32 * DAY],
    ]);
    const run = (await t.omnis.db.query<{ status: string }>('select status from journey_runs where journey_id = $1 and profile_id = $2', [post, profileId]))[0];
    assert.equal(run.status, 'completed');
  });

  test('observable afterwards: messages with channel, time and status; per-step counts; the rendered offer', async () => {
    const api = await t.admin('GET', `/api/v1/journeys/${cart}/stats`);
    assert.equal(api.status, 200);
    for (const step of ['wait_cart', 'email_100', 'ads_100', 'watch', 'charity', 'king', 'checkout', 'two_days', 'nearby', 'invite']) {
      assert.equal(api.json.steps[step]?.entered, 1, step);
    }
    assert.equal(api.json.conversions.treated.conversions, 1);
    const sent = msgs.filter(m => m.status === 'sent').map(m => `${m.channel}:${m.template_key}`);
    assert.deepEqual(sent.slice(0, 7), ['email:cart-100', 'email:charity', 'email:king-150', 'direct_mail:showroom-invite', 'email:thank-you', 'email:review-request',
      'messenger:review-request-chat']);
    assert.deepEqual(sent.slice(7).sort(), ['direct_mail:referral', 'messenger:referral-chat']);
    const rendered = await t.omnis.db.query<{ rendered: { subject?: string } }>(`select rendered from messages where template_key = 'cart-100' and profile_id = $1`, [profileId]);
    assert.equal(rendered[0].rendered.subject, 'Maya, your Queen mattress is waiting');
  });
});

forEachStore('scenario 1: attribution of the showroom order across its touchpoints', kind => {
  let t: TestOmnis;
  let start: number;
  before(async () => {
    t = await startTestOmnis(kind);
    start = t.clock.now();
    const brand = await setUpBrand(t);
    await play(t, brand.keys, story(), start, 15 * DAY);
  });
  after(async () => { await t.close(); });

  test('every model credits the online touches and the showroom; the offline share is visible', async () => {
    const r = await t.admin('POST', '/api/v1/attribution', {
      models: ['first', 'last', 'linear', 'position', 'markov'], lookback: '30d',
      from: new Date(start - DAY).toISOString(), to: new Date(start + 15 * DAY).toISOString(),
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.totals.conversions, 1);
    assert.equal(r.json.totals.value, 1699);
    const byModel = Object.fromEntries(r.json.models.map((m: { model: string; channels: { channel: string; conversions: number; offline: boolean }[] }) => [m.model, m.channels]));
    const credit = (model: string, channel: string) => byModel[model].find((c: { channel: string }) => c.channel === channel)?.conversions ?? 0;
    assert.equal(credit('first', 'paid_search'), 1, 'the Google ad that brought the first visit');
    assert.equal(credit('last', 'store'), 1, 'the showroom visit where the order was placed');
    const linear = byModel.linear as { channel: string; conversions: number; offline: boolean }[];
    assert.ok(linear.length >= 4, JSON.stringify(linear));
    assert.ok(Math.abs(linear.reduce((a, c) => a + c.conversions, 0) - 1) < 1e-9);
    assert.ok(linear.some(c => c.offline && c.conversions > 0), 'the showroom is credited as offline');
  });
});
