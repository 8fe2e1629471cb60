import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../testing/index.ts';
import { createOmnis } from './omnis.ts';

test('a pipeline batch size that is not a whole number of at least 1 is refused at start, naming the option', async () => {
  const t = await openTestDb('pglite');
  try {
    for (const batchSize of [0, -5, 2.5, Number.NaN]) await assert.rejects(createOmnis({ db: t.db, batchSize }), /batchSize must be an integer of at least 1; got /);
    const omnis = await createOmnis({ db: t.db, batchSize: 1, worker: false });
    await omnis.stop();
  } finally { await t.close(); }
});
