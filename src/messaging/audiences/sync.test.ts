import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { forEachStore } from '../../testing/index.ts';
import { ChannelService, defaultRegistry, type ProviderRegistry } from '../channels/index.ts';
import { startFacebookAudiencesFake, type FacebookAudiencesFake } from '../providers/testing/facebook-audiences-server.ts';
import { startGoogleAdsFake, type GoogleAdsFake } from '../providers/testing/google-customer-match-server.ts';
import { graphErrorReply } from '../providers/testing/messenger-server.ts';
import { startDeliveryHarness, TEST_SECRET, WS, type DeliveryHarness } from '../feedback/testing.ts';
import { AudienceSync } from './sync.ts';
import { loadTargets } from './targets.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const FB = { accessToken: 'fb-system-user-token', adAccountId: '1234567890' };
const G = { customerId: '1234567890', developerToken: 'dev-token', accessToken: 'ya29.google-token' };

/** A registry in which each ads provider also serves its own per-platform channel. */
function adsRegistry(h: DeliveryHarness): ProviderRegistry {
  const r = defaultRegistry(h.db);
  return {
    ...r,
    'facebook-audiences': { ...r['facebook-audiences'], channels: ['ads', 'ads_facebook'] },
    'google-customer-match': { ...r['google-customer-match'], channels: ['ads', 'ads_google'] },
  };
}

/** Columns of every customer-file row the fake got in requests of one method. */
function fbColumn(fb: FacebookAudiencesFake, method: string, key: string): string[] {
  return fb.srv.requests.filter(r => r.method === method && /\/users$/.test(r.path)).flatMap(r => {
    const { payload } = r.json<{ payload: { schema: string[]; data: string[][] } }>();
    const i = payload.schema.indexOf(key);
    return i < 0 ? [] : payload.data.map(row => row[i]).filter(v => v !== '');
  });
}
function googleOps(g: GoogleAdsFake, kind: 'create' | 'remove'): string[] {
  return g.srv.requests.filter(r => r.path.endsWith(':addOperations')).flatMap(r =>
    r.json<{ operations: Record<string, { userIdentifiers: object[] }>[] }>().operations.flatMap(o => (o[kind]?.userIdentifiers ?? []).map(i => JSON.stringify(i))));
}

async function addMember(h: DeliveryHarness, audience: string, profileId: string, platforms: string[], journeyId = 'j1'): Promise<number> {
  const [row] = await h.db.query<{ id: number }>(
    `insert into audience_memberships (workspace_id, audience, profile_id, journey_id, platforms, added_at) values ($1, $2, $3, $4, $5, $6) returning id`,
    [WS, audience, profileId, journeyId, JSON.stringify(platforms), new Date(h.clock.now()).toISOString()]);
  return Number(row.id);
}
const removeMember = (h: DeliveryHarness, id: number) =>
  h.db.query(`update audience_memberships set removed_at = $2, removed_reason = 'goal reached' where id = $1`, [id, new Date(h.clock.now()).toISOString()]);
const pending = async (h: DeliveryHarness, audience: string) => Number((await h.db.query<{ n: number }>(
  `select count(*) as n from audience_memberships where workspace_id = $1 and audience = $2 and (synced_at is null or synced_at <= removed_at)`, [WS, audience]))[0].n);

forEachStore('audience sync to Facebook and Google', kind => {
  let h: DeliveryHarness;
  let fb: FacebookAudiencesFake;
  let g: GoogleAdsFake;
  let channels: ChannelService;
  let sync: AudienceSync;
  const ids: Record<string, string> = {};
  const rows: Record<string, number> = {};
  const errors: unknown[] = [];

  before(async () => {
    h = await startDeliveryHarness(kind);
    fb = await startFacebookAudiencesFake(FB);
    g = await startGoogleAdsFake(G);
    channels = new ChannelService({ db: h.db, clock: h.clock, secretKey: TEST_SECRET, providers: adsRegistry(h) });
    await channels.put(WS, 'ads_facebook', { provider: 'facebook-audiences', settings: { baseUrl: fb.url, adAccountId: `act_${FB.adAccountId}`, accessToken: FB.accessToken } });
    await channels.put(WS, 'ads_google', { provider: 'google-customer-match', settings: { baseUrl: g.url, customerId: G.customerId, developerToken: G.developerToken, accessToken: G.accessToken, batchSize: 20 } });
    sync = new AudienceSync({ db: h.db, clock: h.clock, channels, batchSize: 2, random: () => 0.5, onError: e => errors.push(e) });
    ids.ann = await h.identify({ userId: 'ann', traits: { email: 'Ann@Example.com', phone: '+1 415 555 0101', firstName: 'Ann', lastName: 'Lee', address: { country: 'US', postalCode: '94105' } } });
    ids.ben = await h.identify({ userId: 'ben', traits: { email: 'b.en@gmail.com' } });
    ids.cat = await h.identify({ userId: 'cat', traits: { phone: '+44 20 7946 0018' } });
    ids.dan = await h.identify({ userId: 'dan', traits: { email: 'dan@example.com' }, context: { consent: { categoryPreferences: { ads: false } } } });
  });
  after(async () => { await sync.stop(); await channels.close(); await fb.close(); await g.close(); await h.close(); });

  test('adds reach both platforms in batches, hashed per platform; people who refused ads are left out; rows marked synced', async () => {
    rows.ann = await addMember(h, 'cart', ids.ann, ['facebook', 'instagram', 'google']);
    rows.ben = await addMember(h, 'cart', ids.ben, []);
    rows.cat = await addMember(h, 'cart', ids.cat, ['instagram', 'youtube']);
    rows.dan = await addMember(h, 'cart', ids.dan, []);
    const report = await sync.runOnce();
    assert.deepEqual(errors, []);
    assert.deepEqual(report, { audiences: 1, added: 6, removed: 0, errors: 0 });

    const [audience] = [...fb.audiences.values()];
    assert.equal(audience.name, 'cart');
    assert.deepEqual(fb.sessions.map(s => s.rows), [2, 1], 'batches of two members: the rows of ann and ben, then cat');
    assert.deepEqual(fbColumn(fb, 'POST', 'EMAIL').sort(), [sha('ann@example.com'), sha('b.en@gmail.com')].sort());
    assert.deepEqual(fbColumn(fb, 'POST', 'PHONE').sort(), [sha('14155550101'), sha('442079460018')].sort(), 'Meta: E.164 digits without +');
    assert.deepEqual(fbColumn(fb, 'POST', 'FN'), [sha('ann')]);
    assert.ok(!fbColumn(fb, 'POST', 'EMAIL').includes(sha('dan@example.com')), 'dan refused ads');

    const [list] = [...g.lists.values()];
    assert.equal(list.name, 'cart');
    const created = googleOps(g, 'create');
    assert.ok(created.includes(JSON.stringify({ hashedEmail: sha('ben@gmail.com') })), 'Google: Gmail dots removed');
    assert.ok(created.includes(JSON.stringify({ hashedPhoneNumber: sha('+14155550101') })), 'Google: E.164 with +');
    assert.ok(created.includes(JSON.stringify({ hashedPhoneNumber: sha('+442079460018') })));
    assert.ok(created.includes(JSON.stringify({ addressInfo: { hashedFirstName: sha('ann'), hashedLastName: sha('lee'), countryCode: 'US', postalCode: '94105' } })));
    assert.equal(g.srv.requests.filter(r => r.path.endsWith(':run')).length, 2, 'one job per batch, each run');
    assert.equal(await pending(h, 'cart'), 0);

    const before = fb.srv.requests.length + g.srv.requests.length;
    assert.deepEqual(await sync.runOnce(), { audiences: 0, added: 0, removed: 0, errors: 0 });
    assert.equal(fb.srv.requests.length + g.srv.requests.length, before, 'nothing more to send');
    const targets = await loadTargets(h.db, WS, 'cart');
    assert.deepEqual(targets.map(t => [t.platform, t.status, t.externalId !== null, t.added]), [['facebook', 'ok', true, 3], ['google', 'ok', true, 3]]);
  });

  test('removals are sent, even in the same millisecond as the last sync; a person another membership holds stays', async () => {
    await removeMember(h, rows.ben);
    await addMember(h, 'cart', ids.ann, ['facebook'], 'j2');
    await removeMember(h, rows.ann);
    const report = await sync.runOnce();
    assert.equal(report.removed, 3, 'ben from both platforms, ann from google; j2 holds her on facebook');
    assert.deepEqual(fbColumn(fb, 'DELETE', 'EMAIL'), [sha('b.en@gmail.com')]);
    const removedAtGoogle = googleOps(g, 'remove');
    assert.ok(removedAtGoogle.includes(JSON.stringify({ hashedEmail: sha('ben@gmail.com') })));
    assert.ok(removedAtGoogle.includes(JSON.stringify({ hashedPhoneNumber: sha('+14155550101') })), 'ann left google: j2 holds her on facebook only');
    assert.equal(await pending(h, 'cart'), 0);
    assert.deepEqual(await sync.runOnce(), { audiences: 0, added: 0, removed: 0, errors: 0 });
  });

  test('a retryable error makes the audience wait and retry; the change then reaches both platforms', async () => {
    fb.srv.reply(graphErrorReply(2, 'Service temporarily unavailable', { status: 503, transient: true }));
    const eve = await h.identify({ userId: 'eve', traits: { email: 'eve@example.com' } });
    await addMember(h, 'cart', eve, []);
    const first = await sync.runOnce();
    assert.equal(first.errors, 1);
    const [fbTarget] = await loadTargets(h.db, WS, 'cart');
    assert.equal(fbTarget.status, 'retrying');
    assert.ok(fbTarget.nextAttemptAt! > h.clock.now());
    assert.equal(await pending(h, 'cart'), 1);
    assert.equal((await sync.runOnce()).audiences, 0, 'not due yet');
    h.clock.set(fbTarget.nextAttemptAt!);
    const second = await sync.runOnce();
    assert.equal(second.errors, 0);
    assert.equal(second.added, 2);
    assert.ok(fbColumn(fb, 'POST', 'EMAIL').includes(sha('eve@example.com')));
    assert.ok(googleOps(g, 'create').includes(JSON.stringify({ hashedEmail: sha('eve@example.com') })));
    assert.equal(await pending(h, 'cart'), 0);
    assert.deepEqual((await loadTargets(h.db, WS, 'cart')).map(t => [t.status, t.attempts]), [['ok', 0], ['ok', 0]]);
  });

  test('a refused token stops that platform only; once reconfigured it gets every member again', async () => {
    const settings = { baseUrl: g.url, customerId: G.customerId, developerToken: G.developerToken, batchSize: 20 };
    await channels.put(WS, 'ads_google', { provider: 'google-customer-match', settings: { ...settings, accessToken: 'expired' } });
    const fay = await h.identify({ userId: 'fay', traits: { email: 'fay@example.com' } });
    await addMember(h, 'cart', fay, []);
    errors.length = 0;
    const report = await sync.runOnce();
    assert.equal(report.errors, 1);
    assert.match(String(errors[0]), /cart to google .* stopped: google-ads: HTTP 401 UNAUTHENTICATED/);
    assert.ok(fbColumn(fb, 'POST', 'EMAIL').includes(sha('fay@example.com')), 'facebook went on');
    assert.equal(await pending(h, 'cart'), 0);
    const google = (await loadTargets(h.db, WS, 'cart')).find(t => t.platform === 'google')!;
    assert.deepEqual([google.status, google.needsBackfill], ['error', true]);
    assert.equal((await sync.runOnce()).audiences, 0, 'left alone while the configuration is unchanged');

    const jobsBefore = g.jobs.size;
    await channels.put(WS, 'ads_google', { provider: 'google-customer-match', settings: { ...settings, accessToken: G.accessToken } });
    const after = await sync.runOnce();
    assert.equal(after.errors, 0);
    const sent = g.srv.requests.filter(r => r.path.endsWith(':addOperations')).slice(-3).flatMap(r => r.json<{ operations: object[] }>().operations);
    assert.ok(g.jobs.size > jobsBefore);
    assert.ok(JSON.stringify(sent).includes(sha('fay@example.com')), 'backfilled with the member it missed');
    assert.equal((await loadTargets(h.db, WS, 'cart')).find(t => t.platform === 'google')!.status, 'ok');
  });

  test('a forgotten customer leaves the platforms too: the removal goes out with identifiers kept only until it is sent', async () => {
    const hal = await h.identify({ userId: 'hal', traits: { email: 'hal@example.com' } });
    const open = await addMember(h, 'forget', hal, []);
    const old = await addMember(h, 'forget', hal, [], 'j-old');
    await removeMember(h, old);
    assert.equal((await sync.runOnce()).added, 2, 'hal added to both platforms');
    const emptied = await h.db.query<{ n: number }>('select count(*)::int as n from audience_memberships where id = $1', [old]);
    assert.equal(emptied[0].n, 1);

    // Right of access first: the export lists both memberships.
    const exp = await h.omnis.exportProfile(WS, hal);
    assert.deepEqual(exp.audiences.map(a => [a.audience, a.journeyId, a.removedAt !== null, a.removedReason]), [['forget', 'j1', false, null], ['forget', 'j-old', true, 'goal reached']]);

    await h.omnis.forget(WS, hal);
    const kept = await h.db.query<{ id: number; removed_reason: string; email: string | null }>(
      `select id, removed_reason, forgotten #>> '{email,0}' as email from audience_memberships where profile_id = $1`, [hal]);
    assert.deepEqual(kept.map(r => [Number(r.id), r.removed_reason, r.email]), [[open, 'profile deleted', 'hal@example.com']],
      'the open membership closes and keeps what its removal needs; the one already removed and sent is gone');

    const report = await sync.runOnce();
    assert.equal(report.removed, 2, 'removed from both platforms');
    assert.ok(fbColumn(fb, 'DELETE', 'EMAIL').includes(sha('hal@example.com')));
    assert.ok(googleOps(g, 'remove').includes(JSON.stringify({ hashedEmail: sha('hal@example.com') })));
    const after = await h.db.query<{ forgotten: unknown }>('select forgotten from audience_memberships where profile_id = $1', [hal]);
    assert.deepEqual(after.map(r => r.forgotten), [null], 'the identifiers are cleared once the removal is sent');
    assert.equal(await pending(h, 'forget'), 0);
  });

  test('start/stop: the loop syncs on its own and stops cleanly', async () => {
    const gus = await h.identify({ userId: 'gus', traits: { email: 'gus@example.com' } });
    await addMember(h, 'cart', gus, ['facebook']);
    sync.start();
    for (let i = 0; i < 100 && await pending(h, 'cart'); i++) await new Promise(r => setTimeout(r, 20));
    await sync.stop();
    assert.equal(await pending(h, 'cart'), 0);
    assert.ok(fbColumn(fb, 'POST', 'EMAIL').includes(sha('gus@example.com')));
  });
});

forEachStore('audience sync through the single ads channel', kind => {
  let h: DeliveryHarness;
  let fb: FacebookAudiencesFake;
  before(async () => { h = await startDeliveryHarness(kind); fb = await startFacebookAudiencesFake(FB); });
  after(async () => { await fb.close(); await h.close(); });

  test('memberships made before any ads channel are backfilled once one is configured; other platforms are left to CSV', async () => {
    const ann = await h.identify({ userId: 'ann', traits: { email: 'ann@example.com' } });
    const bob = await h.identify({ userId: 'bob', traits: { email: 'bob@example.com' } });
    await addMember(h, 'vip', ann, ['facebook']);
    await addMember(h, 'vip', bob, ['pinterest']);
    const sync = h.delivery.audienceSync;
    assert.deepEqual(await sync.runOnce(), { audiences: 1, added: 0, removed: 0, errors: 0 });
    assert.equal(await pending(h, 'vip'), 0, 'nothing configured: marked, nothing sent');

    await h.omnis.messaging.channels.put(WS, 'ads', { provider: 'facebook-audiences', settings: { baseUrl: fb.url, adAccountId: FB.adAccountId, accessToken: FB.accessToken } });
    const report = await sync.runOnce();
    assert.deepEqual(report, { audiences: 1, added: 1, removed: 0, errors: 0 });
    assert.deepEqual(fbColumn(fb, 'POST', 'EMAIL'), [sha('ann@example.com')], 'pinterest members are not sent to facebook');
    assert.deepEqual((await loadTargets(h.db, WS, 'vip')).map(t => [t.platform, t.provider, t.status]), [['facebook', 'facebook-audiences', 'ok']]);
    assert.deepEqual(await sync.runOnce(), { audiences: 0, added: 0, removed: 0, errors: 0 });
  });
});

forEachStore('audience sync when a platform comes and goes', kind => {
  let h: DeliveryHarness;
  let fb: FacebookAudiencesFake;
  before(async () => { h = await startDeliveryHarness(kind); fb = await startFacebookAudiencesFake(FB); });
  after(async () => { await fb.close(); await h.close(); });

  test('changes made while the ads channel was removed reach the platform once it is configured again', async () => {
    const channels = h.omnis.messaging.channels;
    const settings = { baseUrl: fb.url, adAccountId: FB.adAccountId, accessToken: FB.accessToken };
    const sync = h.delivery.audienceSync;
    await channels.put(WS, 'ads', { provider: 'facebook-audiences', settings });
    const ann = await h.identify({ userId: 'ann', traits: { email: 'ann@example.com' } });
    await addMember(h, 'lapsed', ann, []);
    assert.equal((await sync.runOnce()).added, 1);
    await channels.remove(WS, 'ads');
    const bob = await h.identify({ userId: 'bob', traits: { email: 'bob@example.com' } });
    await addMember(h, 'lapsed', bob, []);
    assert.deepEqual(await sync.runOnce(), { audiences: 1, added: 0, removed: 0, errors: 0 }, 'marked, nothing to send it to');
    assert.equal((await sync.runOnce()).audiences, 0, 'not looked at again while unconfigured');
    await channels.put(WS, 'ads', { provider: 'facebook-audiences', settings });
    const back = await sync.runOnce();
    assert.equal(back.added, 2, 'every open member resent');
    assert.ok(fbColumn(fb, 'POST', 'EMAIL').includes(sha('bob@example.com')));
  });
});
