import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { seedDemo, demoKeys, readKeysFile, DEMO_SEGMENTS, DEMO_CHANNELS, SOURCES, SOURCE_CHANNEL, type SeedResult } from './index.ts';

const TABLES = ['api_keys', 'templates', 'journeys', 'journey_versions', 'segments', 'channel_configs', 'contact_policies', 'spend'];

async function counts(t: TestOmnis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = (await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n;
  return out;
}

forEachStore('demo seed: the mattress brand workspace, idempotent', kind => {
  let t: TestOmnis;
  let dir: string;
  let first: SeedResult;
  before(async () => {
    t = await startTestOmnis(kind);
    dir = mkdtempSync(join(tmpdir(), 'omnis-demo-'));
    first = await seedDemo(t.omnis, { keysFile: join(dir, 'demo-keys.json') });
  });
  after(async () => { await t.close(); rmSync(dir, { recursive: true, force: true }); });

  test('the first seed creates keys, templates, published journeys, segments, capture channels, a policy and spend', async () => {
    assert.equal(first.firstRun, true);
    assert.deepEqual(first.created, { keys: 7, templates: 9, journeys: 2, segments: DEMO_SEGMENTS.length, channels: 8, policy: true, spendRows: 180 });
    assert.deepEqual(first.warnings, []);
    const journeys = (await t.admin('GET', '/api/v1/journeys')).json.data;
    assert.deepEqual(journeys.map((j: { name: string; status: string }) => [j.name, j.status]).sort(), [
      ['Mattress: abandoned cart to showroom', 'active'], ['Mattress: thank you, review, referral', 'active'],
    ]);
    const channels = await t.omnis.messaging.channels.list('default');
    assert.deepEqual(channels.map(c => [c.channel, c.provider]).sort(), [...DEMO_CHANNELS].sort().map(c => [c, 'capture']));
    const policy = (await t.admin('GET', '/api/v1/contact-policy')).json;
    assert.deepEqual(policy.caps, [{ channel: 'any', max: 3, per: '7d' }]);
    assert.equal(policy.quietHours.start, '21:00');
    assert.equal(policy.quietHours.action, 'delay');
  });

  test('each source has its own working write key, with its channel', async () => {
    const list = (await t.admin('GET', '/api/v1/keys')).json.data as { name: string; source: string; channel: string }[];
    for (const s of SOURCES) assert.ok(list.some(k => k.source === s && k.channel === SOURCE_CHANNEL[s]), s);
    for (const s of SOURCES) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/track', payload: { anonymousId: 'a1', event: 'Key Checked' },
        headers: { authorization: 'Basic ' + Buffer.from(`${first.keys[s]}:`).toString('base64') } });
      assert.equal(r.statusCode, 200, `${s}: ${r.body}`);
    }
    assert.deepEqual(await demoKeys(t.omnis), first.keys);
    const file = readKeysFile(join(dir, 'demo-keys.json'));
    assert.deepEqual(file, { workspaceId: 'default', keys: first.keys });
    assert.equal(statSync(join(dir, 'demo-keys.json')).mode & 0o777, 0o600);
  });

  test('seeding again creates nothing and keeps the same keys', async () => {
    const before = await counts(t);
    const again = await seedDemo(t.omnis, { keysFile: join(dir, 'demo-keys.json') });
    assert.equal(again.firstRun, false);
    assert.deepEqual(again.created, { keys: 0, templates: 0, journeys: 0, segments: 0, channels: 0, policy: false, spendRows: 0 });
    assert.deepEqual(again.keys, first.keys);
    assert.deepEqual(await counts(t), before);
  });

  test('what the user changed stays; what went missing comes back', async () => {
    await t.admin('PUT', '/api/v1/contact-policy', { caps: [{ channel: 'email', max: 1, per: '1d' }] });
    await t.admin('PUT', '/api/v1/channels/email', { provider: 'capture', settings: {}, rateLimit: 5 });
    const web = (await t.admin('GET', '/api/v1/keys')).json.data.find((k: { name: string }) => k.name === 'demo web');
    assert.equal((await t.admin('POST', `/api/v1/keys/${web.id}/revoke`)).status, 200);
    const seg = (await t.admin('GET', '/api/v1/segments')).json.data.find((s: { name: string }) => s.name === 'VIPs');
    assert.equal((await t.admin('DELETE', `/api/v1/segments/${seg.id}`)).status, 204);

    const r = await seedDemo(t.omnis);
    assert.deepEqual(r.created, { keys: 1, templates: 0, journeys: 0, segments: 1, channels: 0, policy: false, spendRows: 0 });
    assert.notEqual(r.keys.web, first.keys.web, 'a revoked key is replaced');
    assert.equal(r.keys.pos, first.keys.pos);
    assert.deepEqual((await t.admin('GET', '/api/v1/contact-policy')).json.caps, [{ channel: 'email', max: 1, per: '1d' }]);
    assert.equal((await t.omnis.messaging.channels.get('default', 'email'))?.rateLimit, 5);
  });

  test('another workspace gets its own demo', async () => {
    const r = await seedDemo(t.omnis, { workspaceId: 'acme' });
    assert.equal(r.workspaceId, 'acme');
    assert.equal(r.firstRun, true);
    assert.equal(r.created.journeys, 2);
    assert.equal((await t.omnis.segments.list('acme')).length, DEMO_SEGMENTS.length);
    for (const s of SOURCES) assert.notEqual(r.keys[s], first.keys[s]);
  });
});
