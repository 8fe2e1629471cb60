import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { LINK_TTL_MS, signLink, TokenError, unsubscribeHeaders, unsubscribeUrl, verifyLink } from './token.ts';

const SECRET = 'link-test-secret-key-0123456789';
const NOW = Date.parse('2026-03-02T09:00:00Z');
const claims = { workspaceId: 'default', profileId: 'prof_1', channel: 'email', expiresAt: NOW + 3600_000 };
const reason = (r: TokenError['reason']) => (e: unknown) => e instanceof TokenError && e.reason === r && e.field === 'token';

test('a signed link verifies back to its claims (expiry kept to the second)', () => {
  assert.deepEqual(verifyLink(SECRET, signLink(SECRET, claims), NOW), claims);
});

test('the signature is HMAC-SHA256 under a key derived from the secret key', () => {
  const [payload, sig] = signLink(SECRET, claims).split('.');
  const key = Buffer.from(hkdfSync('sha256', SECRET, 'omnis', 'omnis unsubscribe links v1', 32));
  assert.equal(sig, createHmac('sha256', key).update(`omnis-link.${payload}`).digest('base64url'));
  assert.deepEqual(JSON.parse(Buffer.from(payload, 'base64url').toString()), [1, 'default', 'prof_1', 'email', Math.floor(claims.expiresAt / 1000)]);
});

test('tampered, foreign, malformed and expired links are refused, each with its reason', () => {
  const token = signLink(SECRET, claims);
  const [payload, sig] = token.split('.');
  const other = Buffer.from(JSON.stringify([1, 'default', 'prof_2', 'email', Math.floor(claims.expiresAt / 1000)])).toString('base64url');
  assert.throws(() => verifyLink(SECRET, `${other}.${sig}`, NOW), reason('bad_signature'), 'another profile under the same signature');
  assert.throws(() => verifyLink('another-secret-key-0123456789', token, NOW), reason('bad_signature'));
  assert.throws(() => verifyLink(SECRET, `${payload}.${sig.slice(0, -2)}`, NOW), reason('bad_signature'));
  for (const bad of ['', 'abc', `${payload}.${sig}.x`, `${payload}.!!`, 'a.b']) assert.throws(() => verifyLink(SECRET, bad, NOW), (e: unknown) => e instanceof TokenError);
  assert.throws(() => verifyLink(SECRET, token, claims.expiresAt), reason('expired'));
});

test('unsubscribeHeaders: RFC 8058 pair on marketing email only; the link lives a year from the message', () => {
  const m = { workspaceId: 'default', profileId: 'prof_9', channel: 'email', purpose: 'marketing', createdAt: NOW };
  const h = unsubscribeHeaders('https://omnis.example/', SECRET, m);
  assert.equal(h['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const match = /^<https:\/\/omnis\.example\/u\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)>$/.exec(h['List-Unsubscribe']);
  assert.ok(match, h['List-Unsubscribe']);
  assert.deepEqual(verifyLink(SECRET, match[1], NOW), { workspaceId: 'default', profileId: 'prof_9', channel: 'email', expiresAt: NOW + LINK_TTL_MS });
  assert.deepEqual(unsubscribeHeaders('https://omnis.example', SECRET, m), h, 'deterministic: every retry carries the same link');
  assert.equal(`<${unsubscribeUrl('https://omnis.example', SECRET, m)}>`, h['List-Unsubscribe']);
  assert.deepEqual(unsubscribeHeaders('https://omnis.example', SECRET, { ...m, purpose: 'transactional' }), {});
  assert.deepEqual(unsubscribeHeaders('https://omnis.example', SECRET, { ...m, channel: 'sms' }), {});
});
