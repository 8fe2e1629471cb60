import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { customerFile, facebookAudiencesProvider, facebookAudiencesSettings } from './facebook-audiences.ts';
import { ProviderError, type AudienceMember, type AudienceProvider } from './types.ts';
import { graphErrorReply } from './testing/messenger-server.ts';
import { startFacebookAudiencesFake } from './testing/facebook-audiences-server.ts';

const TOKEN = 'EAAB-system-user';
const ACCOUNT = '1234567890';
const fake = await startFacebookAudiencesFake({ accessToken: TOKEN, adAccountId: ACCOUNT, pageSize: 2 });
after(() => fake.close());
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function provider(over: Record<string, unknown> = {}): AudienceProvider {
  const settings = facebookAudiencesSettings.parse({ baseUrl: fake.url, adAccountId: `act_${ACCOUNT}`, accessToken: TOKEN, ...over });
  return facebookAudiencesProvider.create(settings, {}) as AudienceProvider;
}
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);
const members = (n: number): AudienceMember[] => Array.from({ length: n }, (_, i) => ({ email: [`user${i}@example.com`] }));

test('customerFile: multi-key schema with only present keys, one row per email/phone pair', () => {
  const file = customerFile([
    { email: ['Ada@Example.com', 'ada@work.example'], phone: ['+44 20 7946 0018'], firstName: 'Ada', country: 'GB' },
    { phone: ['(415) 555-2671'], country: 'US' },
    { externalId: 'only-an-id' },
  ]);
  assert.deepEqual(file.schema, ['EMAIL', 'PHONE', 'FN', 'COUNTRY']);
  assert.deepEqual(file.data, [
    [sha('ada@example.com'), sha('442079460018'), sha('ada'), sha('gb')],
    [sha('ada@work.example'), '', sha('ada'), sha('gb')],
    ['', sha('14155552671'), '', sha('us')],
  ]);
});

test('ensureAudience: configured id, existing audience found by name across pages, else created', async () => {
  assert.equal(await provider({ audiences: { VIPs: '555' } }).ensureAudience('VIPs'), '555');
  const p = provider();
  const id = await p.ensureAudience('Lapsed buyers');
  const created = fake.audiences.get(id)!;
  assert.equal(created.name, 'Lapsed buyers');
  const post = fake.srv.requests.find(r => r.method === 'POST' && r.path.endsWith('/customaudiences'))!;
  assert.equal(post.path, `/v21.0/act_${ACCOUNT}/customaudiences`);
  assert.deepEqual({ ...post.json<Record<string, unknown>>(), description: undefined }, { name: 'Lapsed buyers', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', description: undefined });
  await p.ensureAudience('A2');
  await p.ensureAudience('A3');
  // A fresh provider (no cache) finds "A3" on the second page instead of creating a twin.
  const before = fake.audiences.size;
  assert.equal(await provider().ensureAudience('A3'), await p.ensureAudience('A3'));
  assert.equal(fake.audiences.size, before);
});

test('add and remove in sessions of at most batchSize rows', async () => {
  const p = provider({ batchSize: 2 });
  const id = await p.ensureAudience('Cart abandoners');
  const res = await p.add(id, members(5));
  assert.deepEqual(res, { received: 5 });
  assert.equal(fake.audiences.get(id)!.members.size, 5);
  const s = fake.sessions.slice(-3);
  assert.deepEqual(s.map(x => [x.batch_seq, x.last_batch_flag, x.rows, x.estimated_num_total]), [[1, false, 2, 5], [2, false, 2, 5], [3, true, 1, 5]]);
  assert.ok(s.every(x => x.session_id === s[0].session_id && Number.isSafeInteger(x.session_id)));
  const users = fake.srv.requests.at(-1)!;
  assert.equal(users.path, `/v21.0/${id}/users`);
  assert.deepEqual(users.json<{ payload: { schema: string[] } }>().payload.schema, ['EMAIL']);

  assert.deepEqual(await p.remove(id, members(2)), { received: 2 });
  assert.equal(fake.srv.requests.at(-1)!.method, 'DELETE');
  assert.equal(fake.audiences.get(id)!.members.size, 3);
  assert.deepEqual(await p.add(id, [{ email: ['nope'] }]), { received: 0 });
  assert.equal(facebookAudiencesSettings.safeParse({ adAccountId: '1', accessToken: 't', batchSize: 10_001 }).success, false);
});

test('failures: 80003 and 613 rate limits retryable with the usage-header wait; 100 and 190 not; 5xx and timeout retryable', async () => {
  const p = provider();
  const id = await p.ensureAudience('Errors');
  fake.srv.reply(graphErrorReply(80003, 'There have been too many calls to this ad-account.', {
    headers: { 'x-business-use-case-usage': JSON.stringify({ [ACCOUNT]: [{ type: 'custom_audience', call_count: 100, estimated_time_to_regain_access: 2 }] }) },
  }));
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.code === '80003' && e.opts.retryAfterMs === 120_000));
  fake.srv.reply(graphErrorReply(613, 'Calls to this api have exceeded the rate limit.'));
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.code === '613'));
  fake.srv.reply({ status: 503, headers: { 'retry-after': '4' }, body: 'unavailable' });
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.retryAfterMs === 4000));
  await assert.rejects(p.add('999', members(1)), err(e => !e.retryable && e.opts.code === '100'));
  await assert.rejects(provider({ accessToken: 'expired' }).add(id, members(1)), err(e => !e.retryable && e.opts.code === '190'));
  await assert.rejects(p.add('act_1', members(1)), err(e => !e.retryable && e.opts.code === 'bad_audience'));
  fake.srv.reply({ status: 200, delayMs: 3000, body: {} });
  await assert.rejects(provider({ timeoutMs: 100 }).add(id, members(1)), err(e => e.retryable && e.opts.code === 'timeout'));
});
