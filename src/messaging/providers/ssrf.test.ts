import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { checkHost, guardedLookup, isPrivateAddress, parseIPv6, type Resolver } from './ssrf.ts';
import { ProviderError } from './types.ts';
import { startFakeHttp } from './testing/fakeHttp.ts';

test('private, loopback, link-local, unique-local and reserved addresses are refused', () => {
  for (const a of [
    '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255',
    '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fc00::1', 'fd12:3456:789a::1', 'fe80::1', 'fe80::1%eth0', 'febf::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1',
    '64:ff9b::10.0.0.1', '2002:7f00:1::', '2001:db8::1',
    'not-an-ip', '999.1.1.1',
  ]) assert.equal(isPrivateAddress(a), true, a);
});

test('public addresses pass, including the edges of private ranges', () => {
  for (const a of [
    '8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '192.169.0.1', '169.255.0.1', '11.0.0.1',
    '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', 'fbff::1', 'fe00::1',
  ]) assert.equal(isPrivateAddress(a), false, a);
});

test('IPv6 parsing expands :: and embedded IPv4', () => {
  assert.deepEqual(parseIPv6('::ffff:127.0.0.1')?.slice(10), [0xff, 0xff, 127, 0, 0, 1]);
  assert.deepEqual(parseIPv6('1:2:3:4:5:6:7:8')?.slice(14), [0, 8]);
  assert.deepEqual(parseIPv6('[::1]')?.slice(14), [0, 1]);
  assert.equal(parseIPv6('1::2::3'), null);
  assert.equal(parseIPv6('1:2:3'), null);
});

const fakeDns = (answers: Record<string, string[]>): Resolver => async host => {
  const list = answers[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map(address => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const blocked = (e: unknown) => e instanceof ProviderError && !e.retryable && e.opts.code === 'ssrf_blocked';

test('a hostname resolving to loopback is refused (system resolver: localhost)', async () => {
  await assert.rejects(checkHost('localhost'), blocked);
});

test('every resolved address is checked: one private answer refuses the host', async () => {
  const resolve = fakeDns({ 'mixed.example': ['93.184.216.34', '10.0.0.5'], 'v6.example': ['2606:4700::1', '::ffff:127.0.0.1'], 'ok.example': ['93.184.216.34'] });
  await assert.rejects(checkHost('mixed.example', { resolve }), blocked);
  await assert.rejects(checkHost('v6.example', { resolve }), blocked);
  assert.deepEqual(await checkHost('ok.example', { resolve }), [{ address: '93.184.216.34', family: 4 }]);
  await assert.rejects(checkHost('[::1]', { resolve }), blocked);
  await assert.rejects(checkHost('127.0.0.1', { resolve }), blocked);
});

test('allowPrivate lets loopback through; resolution failures are retryable', async () => {
  assert.equal((await checkHost('127.0.0.1', { allowPrivate: true }))[0].address, '127.0.0.1');
  await assert.rejects(checkHost('nowhere.example', { resolve: fakeDns({}) }), (e: unknown) => e instanceof ProviderError && e.retryable && e.opts.code === 'dns');
});

test('guardedLookup: http.request connects to the checked address, never to a refused one', async () => {
  const rx = await startFakeHttp();
  const port = new URL(rx.url).port;
  const get = (host: string, lookup: ReturnType<typeof guardedLookup>) => new Promise<number>((resolve, reject) => {
    const req = request({ host, port, path: '/', lookup }, res => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
  try {
    // "rebind.example" resolves to loopback: refused without a connection being made.
    const resolve = fakeDns({ 'rebind.example': ['127.0.0.1'] });
    await assert.rejects(get('rebind.example', guardedLookup({ resolve })), blocked);
    assert.equal(rx.requests.length, 0);
    // Allowed, the socket goes to the address the lookup checked.
    assert.equal(await get('rebind.example', guardedLookup({ resolve, allowPrivate: true })), 200);
    assert.equal(rx.requests.length, 1);
    assert.equal(rx.requests[0].headers.host, `rebind.example:${port}`);
  } finally { await rx.close(); }
});
