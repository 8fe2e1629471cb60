import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, hashParams, needsRehash, verifyPassword, PASSWORD_PARAMS } from './passwords.ts';

describe('password hashing', () => {
  test('scrypt N=2^15 r=8 p=1 with a 32-byte salt, the parameters stored with the hash', async () => {
    const h = await hashPassword('correct horse battery');
    assert.match(h, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{43}\$[A-Za-z0-9+/]{43}$/);
    assert.deepEqual(hashParams(h), { ln: 15, r: 8, p: 1 });
    assert.equal(Buffer.from(h.split('$')[3], 'base64').length, 32);
    assert.ok(!h.includes('correct horse'));
    assert.notEqual(await hashPassword('correct horse battery'), h, 'a fresh salt each time');
  });

  test('verify: the right password passes; a wrong, empty or differently cased one fails; a mangled hash fails', async () => {
    const h = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', h), true);
    assert.equal(await verifyPassword('correct horse batterY', h), false);
    assert.equal(await verifyPassword('', h), false);
    const tampered = h.slice(0, -2) + (h.endsWith('AA') ? 'BB' : 'AA');
    assert.equal(await verifyPassword('correct horse battery', tampered), false);
    assert.equal(await verifyPassword('correct horse battery', 'plain text'), false);
    assert.equal(await verifyPassword('correct horse battery', '$scrypt$ln=40,r=8,p=1$AAAA$AAAA'), false, 'absurd parameters are refused, not run');
  });

  test('hashes made with weaker parameters still verify and are due for a rehash', async () => {
    const weak = await hashPassword('correct horse battery', { ln: 10, r: 8, p: 1 });
    assert.equal(await verifyPassword('correct horse battery', weak), true);
    assert.equal(needsRehash(weak), true);
    assert.equal(needsRehash(await hashPassword('x'.repeat(10), PASSWORD_PARAMS)), false);
  });
});
