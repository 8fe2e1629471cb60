import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envFlag } from './env.ts';

test('envFlag: unset or empty gives the fallback, 0 and 1 their value, anything else is refused by name', () => {
  assert.equal(envFlag({}, 'X_FLAG', true), true);
  assert.equal(envFlag({ X_FLAG: '' }, 'X_FLAG', false), false);
  assert.equal(envFlag({ X_FLAG: '0' }, 'X_FLAG', true), false);
  assert.equal(envFlag({ X_FLAG: '1' }, 'X_FLAG', false), true);
  assert.throws(() => envFlag({ X_FLAG: 'yes' }, 'X_FLAG', false), /^OmnisError: X_FLAG: must be 0 or 1, got "yes"$/);
});
