import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { audienceCsv } from './audience-csv.ts';
import type { AudienceMember } from './types.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const rows = (csv: string) => parse(csv) as string[][];

const MEMBERS: AudienceMember[] = [
  { email: ['J.Doe@Gmail.com', 'john@work.example'], phone: ['+1 415 555 2671'], firstName: 'John', lastName: 'Doe', country: 'us', zip: '94107-1234', externalId: 'c-1' },
  { phone: ['030 901820'], country: 'DE' },
  { email: ['not an email'] },
];

test('facebook: Meta columns, every value hashed, one row per email/phone pair', () => {
  const csv = audienceCsv(MEMBERS, { platform: 'facebook' });
  assert.ok(csv.endsWith('\r\n'));
  assert.deepEqual(rows(csv), [
    ['email', 'phone', 'fn', 'ln', 'zip', 'country'],
    [sha('j.doe@gmail.com'), sha('14155552671'), sha('john'), sha('doe'), sha('94107'), sha('us')],
    [sha('john@work.example'), '', sha('john'), sha('doe'), sha('94107'), sha('us')],
    ['', sha('4930901820'), '', '', '', sha('de')],
  ]);
});

test('google: repeated Email columns, Gmail dots removed, Country and Zip in clear', () => {
  assert.deepEqual(rows(audienceCsv(MEMBERS, { platform: 'google' })), [
    ['Email', 'Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip'],
    [sha('jdoe@gmail.com'), sha('john@work.example'), sha('+14155552671'), sha('john'), sha('doe'), 'US', '94107'],
    ['', '', sha('+4930901820'), '', '', 'DE', ''],
  ]);
});

test('plain: generic hashed columns with the external id in clear', () => {
  const r = rows(audienceCsv(MEMBERS.slice(0, 1), { platform: 'plain' }));
  assert.deepEqual(r[0], ['email_sha256', 'phone_sha256', 'first_name_sha256', 'last_name_sha256', 'country', 'zip', 'external_id']);
  assert.deepEqual(r[1], [sha('j.doe@gmail.com'), sha('+14155552671'), sha('john'), sha('doe'), 'US', '94107', 'c-1']);
  assert.equal(r.length, 3);
});

test('national phone numbers use defaultCountry; empty audiences give just the header', () => {
  assert.deepEqual(rows(audienceCsv([{ phone: ['(415) 555-2671'] }], { platform: 'facebook', defaultCountry: 'US' }))[1][1], sha('14155552671'));
  assert.equal(audienceCsv([], { platform: 'plain' }), 'email_sha256,phone_sha256,first_name_sha256,last_name_sha256,country,zip,external_id\r\n');
  assert.equal(audienceCsv([], { platform: 'google' }), 'Email,Phone,First Name,Last Name,Country,Zip\r\n');
});
