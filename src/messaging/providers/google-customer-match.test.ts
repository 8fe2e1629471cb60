import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { googleCustomerMatchProvider, googleCustomerMatchSettings, userIdentifiers } from './google-customer-match.ts';
import { ProviderError, type AudienceMember, type AudienceProvider } from './types.ts';
import { googleAdsErrorReply, startGoogleAdsFake } from './testing/google-customer-match-server.ts';

const CID = '1234567890';
const LOGIN = '9876543210';
const fake = await startGoogleAdsFake({ customerId: CID, developerToken: 'dev-tok', accessToken: 'ya29.token', loginCustomerId: LOGIN });
after(() => fake.close());
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function provider(over: Record<string, unknown> = {}): AudienceProvider {
  const settings = googleCustomerMatchSettings.parse({
    baseUrl: fake.url, customerId: '123-456-7890', loginCustomerId: '987-654-3210', developerToken: 'dev-tok', accessToken: 'ya29.token', ...over,
  });
  return googleCustomerMatchProvider.create(settings, {}) as AudienceProvider;
}
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);
const members = (n: number): AudienceMember[] => Array.from({ length: n }, (_, i) => ({ email: [`u${i}@example.com`], phone: [`+1415555${String(1000 + i)}`] }));

test('userIdentifiers: Google normalisation, address only when complete, at most 20', () => {
  assert.deepEqual(userIdentifiers({ email: ['J.Doe@Gmail.com'], phone: ['+44 20 7946 0018'], firstName: 'John', lastName: 'Doe', country: 'gb', zip: 'SW1A 1AA' }), [
    { hashedEmail: sha('jdoe@gmail.com') }, { hashedPhoneNumber: sha('+442079460018') },
    { addressInfo: { hashedFirstName: sha('john'), hashedLastName: sha('doe'), countryCode: 'GB', postalCode: 'SW1A 1AA' } },
  ]);
  assert.deepEqual(userIdentifiers({ firstName: 'John', lastName: 'Doe', country: 'GB' }), []);
  assert.equal(userIdentifiers({ email: Array.from({ length: 30 }, (_, i) => `x${i}@example.com`) }).length, 20);
});

test('ensureAudience: configured id, found by name, else a CRM-based list is created', async () => {
  assert.equal(await provider({ userLists: { VIPs: '42' } }).ensureAudience('VIPs'), '42');
  const id = await provider().ensureAudience("Winback 'Q3'");
  const list = fake.lists.get(id)!;
  assert.equal(list.name, "Winback 'Q3'");
  assert.deepEqual(list.body.crmBasedUserList, { uploadKeyType: 'CONTACT_INFO', dataSourceType: 'FIRST_PARTY' });
  assert.equal(list.body.membershipLifeSpan, '540');
  const mutate = fake.srv.requests.find(r => r.path.endsWith('userLists:mutate'))!;
  assert.equal(mutate.path, `/v20/customers/${CID}/userLists:mutate`);
  assert.equal(mutate.headers['developer-token'], 'dev-tok');
  assert.equal(mutate.headers['login-customer-id'], LOGIN);
  assert.equal(mutate.headers.authorization, 'Bearer ya29.token');
  // A fresh provider finds it (quotes escaped in GAQL) instead of creating a twin.
  assert.equal(await provider().ensureAudience("Winback 'Q3'"), id);
  assert.equal([...fake.lists.values()].filter(l => l.name === "Winback 'Q3'").length, 1);
});

test('add: one job, batches capped by identifiers, then run; remove likewise', async () => {
  const p = provider({ batchSize: 20 });
  const id = await p.ensureAudience('Loyal');
  const before = fake.srv.requests.length;
  assert.deepEqual(await p.add(id, [...members(25), { firstName: 'no', lastName: 'usable' }]), { received: 25 });
  const calls = fake.srv.requests.slice(before);
  const paths = calls.map(r => r.path.replace(/\d{4,}/g, 'N'));
  assert.equal(paths[0], '/v20/customers/N/offlineUserDataJobs:create');
  assert.equal(paths.filter(x => x.endsWith(':addOperations')).length, 3); // 25 people × 2 ids, ≤ 20 ids per request
  assert.equal(paths.at(-1), '/v20/customers/N/offlineUserDataJobs/N:run');
  assert.deepEqual(calls[0].json<{ job: unknown }>().job, { type: 'CUSTOMER_MATCH_USER_LIST', customerMatchUserListMetadata: { userList: `customers/${CID}/userLists/${id}` } });
  const add = calls[1].json<{ operations: { create: { userIdentifiers: unknown[] } }[]; enablePartialFailure: boolean }>();
  assert.equal(add.enablePartialFailure, true);
  assert.deepEqual(add.operations[0].create.userIdentifiers, [{ hashedEmail: sha('u0@example.com') }, { hashedPhoneNumber: sha('+14155551000') }]);
  assert.equal(fake.lists.get(id)!.members.size, 50);

  assert.deepEqual(await p.remove(id, members(3)), { received: 3 });
  assert.equal(fake.lists.get(id)!.members.size, 44);
  assert.deepEqual(await p.add(id, []), { received: 0 });
});

test('consent travels with the job; partial failures are subtracted', async () => {
  const p = provider({ consent: { adUserData: 'GRANTED', adPersonalization: 'GRANTED' } });
  const id = await p.ensureAudience('EU list');
  assert.deepEqual(await p.add(id, [...members(2), { phone: ['+1 (415) 555-0000'] }]), { received: 3 });
  const job = [...fake.jobs.values()].at(-1)!;
  assert.deepEqual(job.consent, { adUserData: 'GRANTED', adPersonalization: 'GRANTED' });
  fake.srv.reply({ status: 200, body: { resourceName: `customers/${CID}/offlineUserDataJobs/1` } }, {
    status: 200, body: { partialFailureError: { code: 3, message: 'x', details: [{ errors: [{ location: { fieldPathElements: [{ fieldName: 'operations', index: 1 }, { fieldName: 'create' }] } }] }] } },
  }, { status: 200, body: {} });
  assert.deepEqual(await p.add(id, members(2)), { received: 1 });
});

test('failures: quota (429 + retryDelay) and 503 retryable, token and argument errors not, timeout retryable', async () => {
  const p = provider();
  const id = await p.ensureAudience('Errors');
  fake.srv.reply(googleAdsErrorReply(429, 'RESOURCE_EXHAUSTED', { quotaError: 'RESOURCE_EXHAUSTED' }, 'Too many requests.', { details: { quotaErrorDetails: { rateScope: 'DEVELOPER', retryDelay: '30s' } } }));
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.code === 'RESOURCE_EXHAUSTED' && e.opts.retryAfterMs === 30_000));
  fake.srv.reply({ status: 503, headers: { 'retry-after': '9' }, body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } } });
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.retryAfterMs === 9000 && e.opts.code === 'UNAVAILABLE'));
  fake.srv.reply(googleAdsErrorReply(409, 'ABORTED', { databaseError: 'CONCURRENT_MODIFICATION' }, 'Multiple requests were attempting to modify the same resource at once.'));
  await assert.rejects(p.add(id, members(1)), err(e => e.retryable && e.opts.code === 'CONCURRENT_MODIFICATION'));
  await assert.rejects(provider({ accessToken: 'expired' }).add(id, members(1)), err(e => !e.retryable && e.opts.status === 401 && e.opts.code === 'OAUTH_TOKEN_INVALID'));
  await assert.rejects(provider({ developerToken: 'nope' }).add(id, members(1)), err(e => !e.retryable && e.opts.code === 'DEVELOPER_TOKEN_INVALID'));
  await assert.rejects(p.add('999999', members(1)), err(e => !e.retryable && e.opts.code === 'INVALID_USER_LIST_ID'));
  await assert.rejects(p.add('not/a/list', members(1)), err(e => !e.retryable && e.opts.code === 'bad_audience'));
  fake.srv.reply({ status: 200, delayMs: 3000, body: {} });
  await assert.rejects(provider({ timeoutMs: 100 }).add(id, members(1)), err(e => e.retryable && e.opts.code === 'timeout'));
});

test('settings: ids with dashes, batch bounds, secrets', () => {
  assert.equal(googleCustomerMatchSettings.safeParse({ customerId: '12345', developerToken: 'd', accessToken: 'a' }).success, false);
  assert.equal(googleCustomerMatchSettings.safeParse({ customerId: CID, developerToken: 'd', accessToken: 'a', batchSize: 100_001 }).success, false);
  assert.equal(googleCustomerMatchSettings.parse({ customerId: CID, developerToken: 'd', accessToken: 'a' }).batchSize, 10_000);
  assert.deepEqual(googleCustomerMatchProvider.secretFields, ['developerToken', 'accessToken']);
});
