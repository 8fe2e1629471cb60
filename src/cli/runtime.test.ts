import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAcceptJournal } from './runtime.ts';

test('OMNIS_ACCEPT_JOURNAL: 0, 1 or unset; anything else, or 1 beside DATABASE_URL, is refused naming the setting', () => {
  assert.equal(parseAcceptJournal({}), false);
  assert.equal(parseAcceptJournal({ OMNIS_ACCEPT_JOURNAL: '0' }), false);
  assert.equal(parseAcceptJournal({ OMNIS_ACCEPT_JOURNAL: '1' }), true);
  assert.equal(parseAcceptJournal({ OMNIS_ACCEPT_JOURNAL: '0', DATABASE_URL: 'postgres://x' }), false);
  assert.throws(() => parseAcceptJournal({ OMNIS_ACCEPT_JOURNAL: 'true' }), /OMNIS_ACCEPT_JOURNAL: must be 0 or 1, got "true"/);
  assert.throws(() => parseAcceptJournal({ OMNIS_ACCEPT_JOURNAL: '1', DATABASE_URL: 'postgres://x' }), /OMNIS_ACCEPT_JOURNAL: applies to embedded storage only/);
});
