import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutboxMessage } from '../outbox/index.ts';
import { signTracking, trackEmail, verifyTracking, withUtm } from './tracking.ts';

const SECRET = 'tracking-secret-key-for-tests';
const BASE = 'https://omnis.example';
const message = (over: Partial<OutboxMessage> = {}) => ({
  id: 'msg_1', workspaceId: 'ws1', channel: 'email', provider: 'smtp', templateKey: 'cart-100',
  context: { journey: { id: 'j1', name: 'Cart', step: 'email' } }, ...over,
}) as OutboxMessage;
const html = '<html><body><p>Hi</p><a class="b" href="https://shop.example/cart?code=A&amp;x=1">Cart</a>'
  + `<a href='https://shop.example/p?utm_source=partner'>P</a><a href="mailto:help@shop.example">Mail</a>`
  + `<a href="${BASE}/u/tok.sig">Unsubscribe</a></body></html>`;

const tokens = (out: string, kind: 'o' | 'c') => [...out.matchAll(new RegExp(`${BASE}/t/${kind}/([A-Za-z0-9_.-]+)`, 'g'))].map(m => m[1]);

test('links become signed redirects to the target with utm_* added (the link\'s own kept); mailto and unsubscribe untouched; a pixel before </body>', () => {
  const out = trackEmail(BASE, SECRET, message(), { subject: 's', html }).html!;
  const clicks = tokens(out, 'c').map(t => verifyTracking(SECRET, t));
  assert.deepEqual(clicks.map(c => c?.url), [
    'https://shop.example/cart?code=A&x=1&utm_source=omnis&utm_medium=email&utm_campaign=Cart&utm_content=cart-100',
    'https://shop.example/p?utm_source=partner&utm_medium=email&utm_campaign=Cart&utm_content=cart-100',
  ]);
  assert.ok(clicks.every(c => c?.workspaceId === 'ws1' && c.messageId === 'msg_1'));
  assert.match(out, /<a class="b" href="https:\/\/omnis\.example\/t\/c\//);
  assert.match(out, /href="mailto:help@shop\.example"/);
  assert.match(out, /href="https:\/\/omnis\.example\/u\/tok\.sig"/);
  const [pixel] = tokens(out, 'o');
  assert.deepEqual(verifyTracking(SECRET, pixel), { workspaceId: 'ws1', messageId: 'msg_1' });
  assert.match(out, /width="1" height="1"[^>]*><\/body><\/html>$/);
});

test('only email through the listed providers is tracked; text-only email is left alone', () => {
  const content = { subject: 's', html };
  for (const m of [message({ provider: 'sendgrid' }), message({ provider: 'capture' }), message({ channel: 'direct_mail', provider: 'smtp' })]) {
    assert.equal(trackEmail(BASE, SECRET, m, content), content);
  }
  const text = { subject: 's', text: 'https://shop.example' };
  assert.equal(trackEmail(BASE, SECRET, message(), text), text);
  assert.equal(withUtm('https://a.example/?utm_medium=sms', { utm_medium: 'email', utm_source: 'omnis' }), 'https://a.example/?utm_medium=sms&utm_source=omnis');
});

test('tokens: a changed payload, another key, or garbage is refused', () => {
  const good = signTracking(SECRET, { workspaceId: 'ws1', messageId: 'msg_1', url: 'https://shop.example/' });
  assert.equal(verifyTracking(SECRET, good)?.url, 'https://shop.example/');
  const [payload, sig] = good.split('.');
  const moved = Buffer.from(JSON.stringify([1, 'ws1', 'msg_1', 'https://evil.example/'])).toString('base64url');
  assert.equal(verifyTracking(SECRET, `${moved}.${sig}`), null, 'the target cannot be changed');
  assert.equal(verifyTracking('another-secret-key-entirely', good), null);
  assert.equal(verifyTracking(SECRET, `${payload}.${sig}.x`), null);
  assert.equal(verifyTracking(SECRET, 'not a token'), null);
});
