import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './index.ts';

test('PGlite: statements queued back to back still leave the event loop its turns (HTTP is served between them)', async () => {
  const db = await openStore({ dataDir: 'memory://', databaseUrl: '' });
  try {
    let done = false;
    let timerRanFirst: boolean | null = null;
    // Like the pipeline and the dispatcher under load: each statement queued as the last one ends.
    const chain = (async () => { for (let i = 0; i < 300; i++) await db.query('select $1::int as n', [i]); done = true; })();
    setTimeout(() => { timerRanFirst = !done; }, 0);
    await chain;
    await new Promise(r => setTimeout(r, 5));
    assert.equal(timerRanFirst, true, 'a timer due at once ran before the 300 statements were through');
  } finally { await db.close(); }
});
