import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { advanceTo, forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { setUpBrand, story, play, DAY, H } from './mattress.ts';
import {
  audienceOps, configureChannels, CREDENTIALS, follow, playThrough, postLobWebhook, postMetaWebhook, readMime, receivedBy, sha256, startProviders,
  type LocalProviders, type Mark,
} from './delivery.ts';

/**
 * SCENARIOS.md §1 with every channel on a real provider talking to a local server in that
 * provider's wire format, and engagement coming back the way it would in production: the
 * pixel and redirect found in the received HTML, and signed Lob and Messenger webhooks.
 */
interface Msg { id: string; step_id: string; channel: string; template_key: string; status: string; provider_message_id: string | null; at: Date }
interface TimelineEvent { event: string; channel: string; timestamp: string; properties: Record<string, unknown> }

const MAYA = 'maya.r@example.com';
const PSID = 'psid-99172';
const KING_OPENED = 10 * DAY + 30 * 60_000;
const LOB_DELIVERED = 13 * DAY;
const CHAT_RECEIPTS = 24 * DAY + H;
const PURCHASE = 14 * DAY;
const CHECKOUT = 10 * DAY + H + 120_000;

const mails = (p: LocalProviders) => p.smtp.mails.map(m => ({ ...readMime(m.raw), to: m.to }));
const linkIn = (html: string, path: string) => {
  const m = new RegExp(`(?:src|href)="(http://127\\.0\\.0\\.1:3000${path}[^"]+)"`).exec(html);
  assert.ok(m, `no ${path} link in ${html.slice(0, 2000)}`);
  return m[1].replace(/&amp;/g, '&');
};

forEachStore('scenario 1 through the real providers, engagement back through their webhooks', kind => {
  let t: TestOmnis;
  let p: LocalProviders;
  let start: number;
  let marks: Mark[];
  let msgs: Msg[];
  let profileId: string;
  let timeline: TimelineEvent[];
  const engagement: Record<string, { status: number; location?: string; body?: unknown }> = {};
  const rel = (d: Date) => d.getTime() - start;
  const sent = (key: string) => msgs.find(m => m.template_key === key && m.status !== 'cancelled')!;

  before(async () => {
    t = await startTestOmnis(kind);
    p = await startProviders();
    start = t.clock.now();
    const brand = await setUpBrand(t);
    await configureChannels(t, p);
    const king = () => mails(p).find(m => m.headers.subject === 'The king mattress, now $150 off')!;
    marks = await playThrough(t, p, brand.keys, story(), start, 40 * DAY, [
      {
        // Maya opens the king email half an hour after it went out and clicks through.
        at: KING_OPENED, run: async () => {
          const open = await follow(t, linkIn(king().html, '/t/o/'));
          engagement.open = { status: open.statusCode, body: open.headers['content-type'] };
          const click = await follow(t, linkIn(king().html, '/t/c/'));
          engagement.click = { status: click.statusCode, location: String(click.headers.location) };
          // A link changed on its way (a forged token) records nothing: the pixel still answers, the redirect refuses.
          const forge = (url: string) => url.replace(/\/t\/(o|c)\/([A-Za-z0-9_-]+)/, (_m, k: string, payload: string) => `/t/${k}/${payload.slice(0, -4)}AAAA`);
          engagement.forgedOpen = { status: (await follow(t, forge(linkIn(king().html, '/t/o/')))).statusCode };
          engagement.forgedClick = { status: (await follow(t, forge(linkIn(king().html, '/t/c/')))).statusCode };
        },
      },
      {
        // Lob reports the showroom invitation delivered.
        at: LOB_DELIVERED, run: async () => {
          const piece = p.lob.pieces[0];
          const event = {
            id: 'evt_9a1b2c3d4e', object: 'event', date_created: new Date(t.clock.now()).toISOString(), reference_id: piece.id,
            event_type: { id: 'letter.delivered', enabled_for_test: true, resource: 'letters', object: 'event_type' },
            body: { ...piece, object: 'letter' },
          };
          const forged = await postLobWebhook(t, event, 'not-the-secret');
          engagement.lobForged = { status: forged.statusCode };
          const r = await postLobWebhook(t, event, CREDENTIALS.lob.webhookSecret);
          engagement.lob = { status: r.statusCode, body: r.json() };
        },
      },
      {
        // Messenger reports the review request delivered, then read.
        at: CHAT_RECEIPTS, run: async () => {
          const mid = (await t.omnis.db.query<{ provider_message_id: string }>(`select provider_message_id from messages where template_key = 'review-request-chat'`))[0].provider_message_id;
          const now = t.clock.now();
          const entry = (item: object) => ({ object: 'page', entry: [{ id: 'PAGE1', time: now, messaging: [{ sender: { id: PSID }, recipient: { id: 'PAGE1' }, timestamp: now, ...item }] }] });
          const forged = await postMetaWebhook(t, entry({ delivery: { mids: [mid], watermark: now } }), 'wrong-secret');
          engagement.metaForged = { status: forged.statusCode };
          const delivered = await postMetaWebhook(t, entry({ delivery: { mids: [mid], watermark: now } }), CREDENTIALS.messenger.appSecret);
          await t.omnis.settle();
          const read = await postMetaWebhook(t, entry({ read: { watermark: now } }), CREDENTIALS.messenger.appSecret);
          engagement.messenger = { status: delivered.statusCode, body: [delivered.json(), read.json()] };
        },
      },
    ]);
    profileId = (await t.admin('GET', `/api/v1/profiles?identifier=${encodeURIComponent(`email:${MAYA}`)}`)).json.id;
    msgs = await t.omnis.db.query<Msg>(
      `select id, step_id, channel, template_key, status, provider_message_id, coalesce(sent_at, send_at) as at from messages where profile_id = $1 order by coalesce(sent_at, send_at), created_at`, [profileId]);
    timeline = (await t.admin('GET', `/api/v1/profiles/${profileId}/events?limit=500`)).json.events;
  });
  after(async () => { await t?.close(); await p?.close(); });

  test('2. the cart email went through SMTP: the $100 offer in the HTML, one-click unsubscribe headers, an hour after the cart', () => {
    const all = mails(p);
    const cart = all.find(m => m.headers.subject === 'Maya, your Queen mattress is waiting')!;
    assert.ok(cart, JSON.stringify(all.map(m => m.headers.subject)));
    assert.deepEqual(cart.to, [MAYA]);
    assert.equal(cart.headers.from, 'Nightjar <hello@nightjar.example>');
    assert.match(cart.html, /Take \$100 off with SLEEP100/);
    assert.match(cart.headers['list-unsubscribe'], /^<http:\/\/127\.0\.0\.1:3000\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
    assert.equal(cart.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    assert.equal(cart.headers['message-id'], sent('cart-100').provider_message_id, 'the outbox knows the Message-ID SMTP got');
    assert.equal(receivedBy(marks, 'smtp', all.indexOf(cart)), H + 5 * 60_000, 'by the first step after the hour\'s wait');
    assert.equal(rel(sent('cart-100').at), H + 120_000);
  });

  test('3. the $100 audience went to Facebook (and Instagram), YouTube and Pinterest as hashed emails at once, and left them a week later', () => {
    const ops = audienceOps(p);
    for (const platform of ['facebook', 'google', 'pinterest'] as const) {
      const mine = ops.filter(o => o.platform === platform && o.audience === 'mattress-100');
      const add = mine.find(o => o.op === 'add')!;
      const remove = mine.find(o => o.op === 'remove')!;
      assert.deepEqual(add?.emails, [sha256(MAYA)], platform);
      assert.deepEqual(remove?.emails, [sha256(MAYA)], platform);
      assert.equal(receivedBy(marks, platform, add.index), H + 5 * 60_000, `${platform}: added with the cart email`);
      assert.equal(receivedBy(marks, platform, remove.index), 10 * DAY, `${platform}: removed in the quiet week (at +7d, before she came back)`);
    }
    for (const srv of [p.facebook.srv, p.google.srv, p.pinterest.srv]) {
      assert.ok(srv.requests.every(r => !r.text.toLowerCase().includes(MAYA)), 'no ad platform ever saw the address in clear');
    }
  });

  test('4-5. charity ads in the quiet week, then the $150 king email and $150 audiences when she came back', () => {
    const ops = audienceOps(p);
    for (const platform of ['facebook', 'google', 'pinterest'] as const) {
      const aud = (name: string, op: string) => ops.find(o => o.platform === platform && o.audience === name && o.op === op);
      assert.ok(aud('brand-charity', 'add') && aud('brand-charity', 'remove'), `${platform} charity`);
      assert.equal(receivedBy(marks, platform, aud('mattress-150', 'add')!.index), 10 * DAY + 60_000, `${platform}: the $150 audience at once`);
    }
    const king = mails(p).find(m => m.headers.subject === 'The king mattress, now $150 off')!;
    assert.match(king.html, /King mattress\. It is yours with \$150 off: SLEEP150/);
    assert.match(mails(p).find(m => m.headers.subject === 'Every mattress gives a night of sleep')!.html, /12,000 beds/);
  });

  test('6-7. the showroom invitation went to Lob as a letter to Maya\'s address, two days after the abandoned checkout', () => {
    const [invite, ...rest] = p.lob.pieces;
    const row = sent('showroom-invite');
    assert.equal(invite.object, 'letter');
    assert.deepEqual(invite.to, { name: 'Maya', address_line1: '135 Plymouth St', address_city: 'Brooklyn', address_state: 'NY', address_zip: '11201', address_country: 'US' });
    assert.equal((invite.from as { name: string }).name, 'Nightjar Showroom');
    assert.match(String(invite.file), /Come lie down, Maya/);
    assert.match(String(invite.file), /\$150 off with SLEEP150/);
    assert.equal((invite.metadata as Record<string, string>).omnis_message_id, row.id);
    assert.equal(p.lob.srv.requests[0].headers['idempotency-key'], row.id, 'a retry never prints twice');
    assert.equal(row.provider_message_id, invite.id);
    assert.equal(rel(row.at), CHECKOUT + 2 * DAY);
    assert.equal(receivedBy(marks, 'lob', 0), LOB_DELIVERED);
    assert.equal(rest.length, 1, 'and later only the referral');
  });

  test('8-9. the purchase took Maya out of the $150 audience on every platform at once; nothing from the cart journey reached a provider after it', () => {
    const ops = audienceOps(p);
    for (const platform of ['facebook', 'google', 'pinterest'] as const) {
      const remove = ops.find(o => o.platform === platform && o.audience === 'mattress-150' && o.op === 'remove')!;
      assert.deepEqual(remove.emails, [sha256(MAYA)]);
      assert.equal(receivedBy(marks, platform, remove.index), PURCHASE, `${platform}: removed with the purchase`);
      const late = ops.filter(o => o.platform === platform && o.op === 'add' && receivedBy(marks, platform, o.index) > PURCHASE);
      assert.deepEqual(late, [], `${platform}: no one added after the purchase`);
    }
    const byMark = (server: 'smtp' | 'lob' | 'messenger', n: number) => receivedBy(marks, server, n);
    const after = mails(p).filter((_m, i) => byMark('smtp', i) >= PURCHASE).map(m => m.headers.subject);
    assert.deepEqual(after, ['Thank you, Maya', 'How are you sleeping?'], 'only the post-purchase emails');
    assert.deepEqual(p.lob.pieces.filter((_x, i) => byMark('lob', i) >= PURCHASE).map(x => String(x.file).match(/<h1>(.*?)<\/h1>/)?.[1]), ['Give $100, get $100']);
  });

  test('10-11. ignored by email, the review request went to Maya\'s psid through the Send API three days later; then the referral', () => {
    assert.deepEqual(p.messenger.sent.map(m => [m.psid, m.messagingType, m.text]), [
      [PSID, 'UPDATE', 'Hi Maya! How are you sleeping? Reply with 1-5 stars.'],
      [PSID, 'UPDATE', 'Thanks for the 5 stars! Give friends $100 off with FRIEND100.'],
    ]);
    assert.equal(receivedBy(marks, 'messenger', 0), 24 * DAY + H, 'after the 3-day fallback timer at +24d');
    assert.equal(receivedBy(marks, 'messenger', 1), 40 * DAY);
    const review = msgs.filter(m => m.step_id === 'review').map(m => [m.channel, rel(m.at)]);
    assert.deepEqual(review, [['email', 21 * DAY], ['messenger', 24 * DAY]]);
    assert.ok(!timeline.some(e => /^Email (Opened|Link Clicked)$/.test(e.event) && e.properties.templateKey === 'review-request'), 'no engagement with the review email');
  });

  test('engagement: the open pixel and the signed redirect in the received HTML land on Maya\'s timeline with the message id; the click keeps utm_*', () => {
    const king = sent('king-150');
    assert.equal(engagement.open.status, 200);
    assert.equal(engagement.open.body, 'image/gif');
    assert.equal(engagement.click.status, 302);
    const target = new URL(engagement.click.location!);
    assert.equal(`${target.origin}${target.pathname}`, 'https://www.nightjar.example/mattresses/king');
    assert.deepEqual(Object.fromEntries(target.searchParams), {
      code: 'SLEEP150', utm_source: 'omnis', utm_medium: 'email', utm_campaign: 'Mattress: abandoned cart to showroom', utm_content: 'king-150',
    });
    assert.equal(engagement.forgedOpen.status, 200);
    assert.equal(engagement.forgedClick.status, 400);
    assert.equal(timeline.filter(x => x.event === 'Email Opened' || x.event === 'Email Link Clicked').length, 2, 'the forged ones recorded nothing');
    for (const [event, extra] of [['Email Opened', {}], ['Email Link Clicked', { url: engagement.click.location }]] as const) {
      const e = timeline.find(x => x.event === event)!;
      assert.ok(e, `${event} on the timeline`);
      assert.equal(e.channel, 'email');
      assert.equal(e.properties.messageId, king.id);
      assert.equal(e.properties.templateKey, 'king-150');
      assert.equal(e.properties.stepId, 'king');
      assert.equal(Date.parse(e.timestamp) - start, KING_OPENED);
      for (const [k, v] of Object.entries(extra)) assert.equal(e.properties[k], v);
    }
  });

  test('engagement: Lob\'s signed letter.delivered marks the letter delivered on the timeline; a forged signature is refused', () => {
    assert.equal(engagement.lobForged.status, 401);
    assert.equal(engagement.lob.status, 200);
    assert.deepEqual(engagement.lob.body, { events: 1, messages: 1, people: 0, ignored: 0 });
    const row = sent('showroom-invite');
    assert.equal(row.status, 'delivered');
    const e = timeline.find(x => x.event === 'Direct Mail Delivered')!;
    assert.equal(e.channel, 'direct_mail');
    assert.equal(e.properties.messageId, row.id);
    assert.equal(e.properties.providerMessageId, p.lob.pieces[0].id);
    assert.ok(timeline.some(x => x.event === 'Message Delivered' && x.properties.messageId === row.id), 'the outbox\'s own Message Delivered');
  });

  test('engagement: Messenger\'s delivery and read receipts, signed with the app secret, land on Maya\'s timeline; a forged one is refused', () => {
    assert.equal(engagement.metaForged.status, 401);
    assert.equal(engagement.messenger.status, 200);
    assert.deepEqual(engagement.messenger.body, [{ events: 1, messages: 1, people: 0, ignored: 0 }, { events: 1, messages: 0, people: 1, ignored: 0 }]);
    const row = sent('review-request-chat');
    assert.equal(row.status, 'delivered');
    const delivered = timeline.find(x => x.event === 'Messenger Delivered')!;
    assert.equal(delivered.channel, 'messenger');
    assert.equal(delivered.properties.messageId, row.id);
    assert.equal(delivered.properties.providerMessageId, row.provider_message_id);
    assert.ok(timeline.some(x => x.event === 'Message Delivered' && x.properties.messageId === row.id));
    const read = timeline.find(x => x.event === 'Messenger Read')!;
    assert.equal(read.channel, 'messenger', 'the read receipt names only the psid: it resolves to Maya');
    assert.equal(Date.parse(read.timestamp) - start, CHAT_RECEIPTS);
  });
});

forEachStore('scenario 1: opening the review email stops the fallback to Messenger', kind => {
  let t: TestOmnis;
  let p: LocalProviders;
  let start: number;
  before(async () => {
    t = await startTestOmnis(kind);
    p = await startProviders();
    start = t.clock.now();
    const brand = await setUpBrand(t, ['post-purchase-journey.json']);
    await configureChannels(t, p);
    // Only what the post-purchase journey needs: the pop-up email and consent, the psid, the showroom purchase.
    const steps = story().filter(s => s.call === 'identify' && s.at === 60_000 || s.source === 'messenger' && s.at === 3 * DAY || s.source === 'pos');
    await play(t, brand.keys, steps, start, 22 * DAY);
  });
  after(async () => { await t?.close(); await p?.close(); });

  test('the review email is opened a day after it went out: no Messenger message follows, the journey moves on to wait for the review', async () => {
    const review = mails(p).find(m => m.headers.subject === 'How are you sleeping?');
    assert.ok(review, 'the review request went out by email');
    const open = await follow(t, linkIn(review.html, '/t/o/'));
    assert.equal(open.statusCode, 200);
    await t.omnis.settle();
    await advanceTo(t, start + 26 * DAY);
    assert.deepEqual(p.messenger.sent, [], 'no fallback to Messenger');
    const rows = await t.omnis.db.query<{ step_id: string; channel: string; status: string }>(`select step_id, channel, status from messages where step_id = 'review'`);
    assert.deepEqual(rows.map(r => [r.channel, r.status]), [['email', 'sent']]);
    const run = (await t.omnis.db.query<{ step: string; status: string }>(`select step, status from journey_runs where status = 'active'`));
    assert.deepEqual(run.map(r => [r.step, r.status]), [['reviewed', 'active']]);
  });
});
