import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from './index.ts';
import { forEachStore, migratedBefore } from '../testing/index.ts';

forEachStore('migration 018: step counts from the trails runs already hold', kind => {
  let t: Awaited<ReturnType<typeof migratedBefore>>;
  after(() => t.close());

  test('each journey and step counts the entries of every trail, and the tallies of trimmed ones', async () => {
    t = await migratedBefore(kind, 18);
    const run = (id: string, journey: string, trail: unknown[], tally: object | null = null) => t.db.query(
      `insert into journey_runs (id, workspace_id, journey_id, version, profile_id, status, step, entered_at, trail, trail_tally)
       values ($1, 'default', $2, 1, 'p_' || $1, 'active', 'wait', '2026-03-01T10:00:00Z', $3, $4)`, [id, journey, JSON.stringify(trail), tally && JSON.stringify(tally)]);
    await run('run_a', 'jrn_1', [['mail', 'entered', 1], ['mail', 'left', 2], ['wait', 'entered', 3]]);
    await run('run_b', 'jrn_1', [['wait', 'left', 9, 'exit event Unsubscribed']], { mail: [4, 4], wait: [4, 3] });
    await run('run_c', 'jrn_2', []);
    await run('run_d', 'jrn_2', [['hello', 'entered', 1]]);
    await migrate(t.db);
    const rows = await t.db.query<{ journey_id: string; step_id: string; entered: number; left: number; workspace_id: string }>(
      'select workspace_id, journey_id, step_id, entered::int as entered, "left"::int as left from journey_step_counts order by journey_id, step_id');
    assert.deepEqual(rows.map(r => [r.workspace_id, r.journey_id, r.step_id, r.entered, r.left]), [
      ['default', 'jrn_1', 'mail', 5, 5],
      ['default', 'jrn_1', 'wait', 5, 4],
      ['default', 'jrn_2', 'hello', 1, 0],
    ]);
  });
});
