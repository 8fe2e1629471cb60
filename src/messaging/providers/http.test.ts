import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest, parseRetryAfter } from './http.ts';
import { ProviderError } from './types.ts';
import { startFakeHttp, unusedPort } from './testing/fakeHttp.ts';

const srv = await startFakeHttp();
after(() => srv.close());

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) {
    assert.ok(err instanceof ProviderError, `expected ProviderError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a failure');
}

test('2xx resolves with status, headers, text and json; json bodies get a content type', async () => {
  srv.reply({ status: 201, headers: { 'x-id': 'abc' }, body: { ok: true } });
  const res = await httpRequest({ url: `${srv.url}/things?x=1`, json: { a: 1 }, headers: { authorization: 'Bearer k' } });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-id'), 'abc');
  assert.deepEqual(res.json(), { ok: true });
  const req = srv.requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/things?x=1');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.authorization, 'Bearer k');
  assert.deepEqual(req.json(), { a: 1 });
});

test('429 and 5xx are retryable, with Retry-After in seconds or as an HTTP-date', async () => {
  srv.reply({ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' });
  const e1 = await failure(httpRequest({ url: srv.url, label: 'svc' }));
  assert.equal(e1.retryable, true);
  assert.equal(e1.opts.status, 429);
  assert.equal(e1.opts.retryAfterMs, 7000);
  assert.match(e1.message, /^svc: HTTP 429 slow down/);

  const now = Date.parse('2026-01-01T00:00:00Z');
  srv.reply({ status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' } });
  const e2 = await failure(httpRequest({ url: srv.url, now: () => now }));
  assert.equal(e2.retryable, true);
  assert.equal(e2.opts.retryAfterMs, 30_000);

  srv.reply({ status: 500 });
  const e3 = await failure(httpRequest({ url: srv.url }));
  assert.equal(e3.retryable, true);
  assert.equal(e3.opts.retryAfterMs, undefined);

  srv.reply({ status: 408 });
  assert.equal((await failure(httpRequest({ url: srv.url }))).retryable, true);
});

test('other 4xx are not retryable; redirects are not followed', async () => {
  srv.reply({ status: 400, body: { error: 'bad' } });
  const e = await failure(httpRequest({ url: srv.url }));
  assert.equal(e.retryable, false);
  assert.equal(e.opts.status, 400);

  const before = srv.requests.length;
  srv.reply({ status: 302, headers: { location: `${srv.url}/elsewhere` } });
  const r = await failure(httpRequest({ url: srv.url, headers: { authorization: 'secret' } }));
  assert.equal(r.retryable, false);
  assert.equal(r.opts.code, 'redirect');
  assert.equal(srv.requests.length, before + 1, 'the redirect target was not requested');
});

test('a timeout is retryable with code timeout', async () => {
  srv.reply({ status: 200, delayMs: 2000 });
  const started = Date.now();
  const e = await failure(httpRequest({ url: srv.url, timeoutMs: 100 }));
  assert.equal(e.retryable, true);
  assert.equal(e.opts.code, 'timeout');
  assert.ok(Date.now() - started < 1500);
});

test('connection refused and a dropped connection are retryable with code network', async () => {
  const port = await unusedPort();
  const e = await failure(httpRequest({ url: `http://127.0.0.1:${port}/` }));
  assert.equal(e.retryable, true);
  assert.equal(e.opts.code, 'network');
  assert.match(e.message, /ECONNREFUSED/);

  srv.reply({ destroy: true });
  const d = await failure(httpRequest({ url: srv.url }));
  assert.equal(d.retryable, true);
  assert.equal(d.opts.code, 'network');
});

test('classify overrides the default mapping; undefined falls back', async () => {
  const classify = (res: { status: number }) => res.status === 410 ? new ProviderError('gone', false, { code: 'expired' }) : undefined;
  srv.reply({ status: 410 });
  assert.equal((await failure(httpRequest({ url: srv.url, classify }))).opts.code, 'expired');
  srv.reply({ status: 503 });
  assert.equal((await failure(httpRequest({ url: srv.url, classify }))).retryable, true);
});

test('parseRetryAfter ignores junk and clamps past dates to 0', () => {
  assert.equal(parseRetryAfter('soon', 0), undefined);
  assert.equal(parseRetryAfter(null, 0), undefined);
  assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', 5000), 0);
  assert.equal(parseRetryAfter(' 2 ', 0), 2000);
});
