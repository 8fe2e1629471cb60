import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pinterestAudiencesProvider, pinterestAudiencesSettings, pinterestRecords } from './pinterest-audiences.ts';
import { ProviderError, type AudienceMember, type AudienceProvider } from './types.ts';
import { pinterestErrorReply, startPinterestAudiencesFake } from './testing/pinterest-audiences-server.ts';

const TOKEN = 'pina_test-token';
const ACCOUNT = '549755885175';
const fake = await startPinterestAudiencesFake({ accessToken: TOKEN, adAccountId: ACCOUNT, pageSize: 2 });
after(() => fake.close());
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function provider(over: Record<string, unknown> = {}): AudienceProvider {
  const settings = pinterestAudiencesSettings.parse({ baseUrl: fake.url, adAccountId: ACCOUNT, accessToken: TOKEN, ...over });
  return pinterestAudiencesProvider.create(settings, {}) as AudienceProvider;
}
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);
const members = (n: number, prefix = 'user'): AudienceMember[] => Array.from({ length: n }, (_, i) => ({ email: [`${prefix}${i}@example.com`] }));

test('records: trimmed, lower-cased, SHA-256 emails; people without an email left out; no repeats', () => {
  assert.deepEqual(pinterestRecords([
    { email: [' Ada@Example.com ', 'ada@work.example'], phone: ['+14155552671'] },
    { phone: ['+14155550000'] },
    { email: ['ada@example.com'] },
  ]), [sha('ada@example.com'), sha('ada@work.example')]);
});

test('a list that does not exist yet is created by the first add, with its records, and found by name afterwards', async () => {
  const p = provider();
  const ref = await p.ensureAudience('Cart abandoners');
  assert.equal(ref, 'name:Cart abandoners', 'nothing created without records');
  assert.equal(fake.lists.size, 0);
  assert.deepEqual(await p.remove(ref, members(1)), { received: 0 }, 'nobody to remove from a list that does not exist');
  assert.deepEqual(await p.add(ref, members(3)), { received: 3 });
  const [list] = fake.lists.values();
  assert.equal(list.name, 'Cart abandoners');
  const create = fake.srv.requests.find(r => r.method === 'POST')!;
  assert.equal(create.path, `/v5/ad_accounts/${ACCOUNT}/customer_lists`);
  assert.equal(create.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(create.json(), { name: 'Cart abandoners', list_type: 'EMAIL', records: [0, 1, 2].map(i => sha(`user${i}@example.com`)).join(',') });

  // The same reference later (the sync keeps it as the id) updates the list it made.
  assert.deepEqual(await p.remove(ref, members(1)), { received: 1 });
  const patch = fake.srv.requests.at(-1)!;
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.path, `/v5/ad_accounts/${ACCOUNT}/customer_lists/${list.id}`);
  assert.deepEqual(patch.json(), { records: sha('user0@example.com'), operation_type: 'REMOVE' });
  assert.equal(list.members.size, 2);
  // A fresh provider (a restart) finds the list by name instead of creating a twin.
  assert.equal(await provider().ensureAudience('Cart abandoners'), list.id);
  assert.deepEqual(await provider().add(ref, members(1, 'late')), { received: 1 });
  assert.equal(fake.lists.size, 1);
  assert.equal(list.members.size, 3);
});

test('configured ids are used as given; lists are found across pages; updates go in batches', async () => {
  const p = provider({ batchSize: 2 });
  for (const name of ['L1', 'L2', 'L3']) await p.add(`name:${name}`, members(1, name));
  assert.equal(await provider().ensureAudience('L3'), [...fake.lists.values()].find(l => l.name === 'L3')!.id, 'on the second page');
  assert.equal(await provider({ customerLists: { VIPs: '42' } }).ensureAudience('VIPs'), '42');
  const id = await p.ensureAudience('L1');
  const before = fake.operations.length;
  assert.deepEqual(await p.add(id, members(5)), { received: 5 });
  assert.deepEqual(fake.operations.slice(before).map(o => [o.op, o.records.length]), [['ADD', 2], ['ADD', 2], ['ADD', 1]]);
  assert.equal(fake.lists.get(id)!.members.size, 6);
  assert.deepEqual(await p.add(id, [{ phone: ['+14155552671'] }]), { received: 0 }, 'no email, nothing to send');
});

test('failures: 429 and 5xx retryable with Retry-After; 401 and a bad id not', async () => {
  const p = provider();
  const id = await p.ensureAudience('L1');
  fake.srv.reply({ ...pinterestErrorReply(429, 8, 'Too many requests.'), headers: { 'retry-after': '7' } });
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.status === 429 && e.opts.retryAfterMs === 7000 && e.opts.code === '8'));
  fake.srv.reply(pinterestErrorReply(503, 503, 'Service unavailable.'));
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.status === 503));
  await assert.rejects(provider({ accessToken: 'expired' }).add(id, members(1)), err(e => !e.retryable && e.opts.status === 401 && /Authentication failed/.test(e.message)));
  await assert.rejects(p.add('act_1', members(1)), err(e => !e.retryable && e.opts.code === 'bad_audience'));
  await assert.rejects(p.remove('999', members(1)), err(e => !e.retryable && e.opts.status === 404));
  assert.equal(pinterestAudiencesSettings.safeParse({ adAccountId: 'act_1', accessToken: 't' }).success, false);
});
