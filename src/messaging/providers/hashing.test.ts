import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashMember, normalizeCountry, normalizeEmail, normalizeName, normalizePhone, normalizeZip, sha256Hex } from './hashing.ts';

// Vectors are computed here with node:crypto from the normalised string, independently of sha256Hex.
const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');

test('sha256Hex matches known digests', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex('zoë'), sha('zoë'));
});

test('email: trim and lower-case; Google alone drops the dots of Gmail local parts', () => {
  assert.equal(normalizeEmail('  Ada.Lovelace+news@Example.COM ', 'facebook'), 'ada.lovelace+news@example.com');
  assert.equal(normalizeEmail('  Ada.Lovelace+news@Example.COM ', 'google'), 'ada.lovelace+news@example.com');
  assert.equal(normalizeEmail('J.Doe@GMail.com', 'facebook'), 'j.doe@gmail.com');
  assert.equal(normalizeEmail('J.Doe@GMail.com', 'google'), 'jdoe@gmail.com');
  assert.equal(normalizeEmail('j.o.e+tag@googlemail.com', 'google'), 'joe+tag@googlemail.com');
  assert.equal(normalizeEmail('J.Doe@GMail.com', 'plain'), 'j.doe@gmail.com');
  for (const bad of ['', 'no-at', '@x.com', 'a@', 'a b@x.com']) assert.equal(normalizeEmail(bad, 'facebook'), null, bad);
});

test('phone: Facebook digits with country code, Google E.164 with +', () => {
  assert.equal(normalizePhone('+49 151 1234 5678', 'facebook'), '4915112345678');
  assert.equal(normalizePhone('+49 151 1234 5678', 'google'), '+4915112345678');
  assert.equal(normalizePhone('(415) 555-2671', 'facebook', 'US'), '14155552671');
  assert.equal(normalizePhone('(415) 555-2671', 'google', 'us'), '+14155552671');
  assert.equal(normalizePhone('0044 20 7946 0018', 'google'), '+442079460018');
  assert.equal(normalizePhone('020 7946 0018', 'facebook', 'GB'), '442079460018'); // national trunk 0 dropped
  assert.equal(normalizePhone('14155552671', 'google'), '+14155552671'); // digits already carry the country code
  assert.equal(normalizePhone('abc', 'google'), null);
  assert.equal(normalizePhone('+1 23', 'google'), null);
});

test('names, country and zip', () => {
  assert.equal(normalizeName("  Zoë-Anne O'Brien "), 'zoëanneobrien');
  assert.equal(normalizeName('JOHN'), 'john');
  assert.equal(normalizeName('--'), null);
  assert.equal(normalizeCountry(' De ', 'facebook'), 'de');
  assert.equal(normalizeCountry(' De ', 'google'), 'DE');
  assert.equal(normalizeCountry('Germany', 'google'), null);
  assert.equal(normalizeZip('94107-1234', 'facebook', 'US'), '94107');
  assert.equal(normalizeZip('94107-1234', 'google', 'us'), '94107');
  assert.equal(normalizeZip('SW1A 1AA', 'facebook', 'GB'), 'sw1a1aa');
  assert.equal(normalizeZip(' SW1A  1aa ', 'google', 'GB'), 'SW1A 1AA');
  assert.equal(normalizeZip('ABC', 'google', 'US'), null);
});

test('hashMember: Facebook hashes every field, Google leaves country and zip in clear', () => {
  const m = { email: [' Ada@Example.com', 'ada@example.com', 'A.Da@gmail.com'], phone: ['+1 415 555 2671'], firstName: 'Ada', lastName: 'Lovelace', country: 'us', zip: '94107', externalId: 'cust-9' };
  const fb = hashMember(m, 'facebook');
  assert.deepEqual(fb, {
    emails: [sha('ada@example.com'), sha('a.da@gmail.com')],
    phones: [sha('14155552671')],
    firstName: sha('ada'), lastName: sha('lovelace'), country: sha('us'), zip: sha('94107'), externalId: 'cust-9',
  });
  const g = hashMember(m, 'google');
  assert.deepEqual(g, {
    emails: [sha('ada@example.com'), sha('ada@gmail.com')],
    phones: [sha('+14155552671')],
    firstName: sha('ada'), lastName: sha('lovelace'), country: 'US', zip: '94107', externalId: 'cust-9',
  });
});

test('hashMember: member country drives national phone numbers; invalid values dropped; pre-hashed passed through', () => {
  const pre = sha('ada@example.com').toUpperCase();
  const h = hashMember({ email: ['not-an-email', pre], phone: ['030 901820'], country: 'DE' }, 'google');
  assert.deepEqual(h.emails, [pre.toLowerCase()]);
  assert.deepEqual(h.phones, [sha('+4930901820')]);
  assert.deepEqual(hashMember({ phone: ['(415) 555-2671'] }, 'facebook', { defaultCountry: 'US' }).phones, [sha('14155552671')]);
  assert.deepEqual(hashMember({}, 'facebook'), { emails: [], phones: [] });
});
