import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { listMigrations, migrate, type Db } from './index.ts';
import { forEachStore, migratedBefore } from '../testing/index.ts';

forEachStore('migration 016: step-log rows become run trails', kind => {
  let t: Awaited<ReturnType<typeof migratedBefore>>;
  let db: Db;
  after(() => t.close());

  test("each run's transitions move to its trail in their order, details kept, and the old table goes", async () => {
    t = await migratedBefore(kind, 16);
    db = t.db;
    const run = (id: string) => db.query(
      `insert into journey_runs (id, workspace_id, journey_id, version, profile_id, status, step, entered_at) values ($1, 'default', 'jrn_1', 1, 'p_' || $1, 'active', 'wait', '2026-03-01T10:00:00Z')`, [id]);
    await run('run_a');
    await run('run_b');
    await run('run_c');
    // Inserted out of time order on purpose: the log's order (its id) is the order steps were taken.
    const step = (runId: string, stepId: string, action: string, at: string, detail: string | null = null) => db.query(
      `insert into journey_step_log (journey_id, version, run_id, profile_id, step_id, action, detail, at) values ('jrn_1', 1, $1, 'p', $2, $3, $4, $5)`,
      [runId, stepId, action, detail, at]);
    await step('run_a', 'mail', 'entered', '2026-03-01T10:00:00.123Z');
    await step('run_b', 'mail', 'entered', '2026-03-01T10:00:01Z');
    await step('run_a', 'mail', 'left', '2026-03-01T10:00:00.123Z');
    await step('run_a', 'wait', 'entered', '2026-03-01T10:00:00.123Z');
    await step('run_b', 'mail', 'left', '2026-03-01T10:00:01Z', 'exit event Left "the {shop}", sadly \\ now');

    assert.deepEqual((await migrate(db)).map(m => m.version), listMigrations().filter(m => m.version >= 16).map(m => m.version));
    const trails = Object.fromEntries((await db.query<{ id: string; trail: unknown[] }>('select id, trail from journey_runs order by id')).map(r => [r.id, r.trail]));
    const at = (iso: string) => Date.parse(iso);
    assert.deepEqual(trails, {
      run_a: [['mail', 'entered', at('2026-03-01T10:00:00.123Z')], ['mail', 'left', at('2026-03-01T10:00:00.123Z')], ['wait', 'entered', at('2026-03-01T10:00:00.123Z')]],
      run_b: [['mail', 'entered', at('2026-03-01T10:00:01Z')], ['mail', 'left', at('2026-03-01T10:00:01Z'), 'exit event Left "the {shop}", sadly \\ now']],
      run_c: [],
    });
    const [{ gone }] = await db.query<{ gone: boolean }>(`select to_regclass('journey_step_log') is null as gone`);
    assert.equal(gone, true);
  });
});
