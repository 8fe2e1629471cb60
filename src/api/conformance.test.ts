import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { newDataDir, startServerProcess } from '../testing/index.ts';

// The API contract the issues fix, checked by the shared conformance script against a real `omnis serve`.
const CHECK = fileURLToPath(new URL('../../../shared/conformance/check.mjs', import.meta.url));

test('the running server meets the shared API contract', { skip: existsSync(CHECK) ? false : `no conformance script at ${CHECK}` }, async () => {
  const dir = await newDataDir('omnis-conf-');
  const env = { OMNIS_DATA_DIR: dir, DATABASE_URL: '', OMNIS_WRITE_KEY: 'wk_conformanceKey00000001', OMNIS_ADMIN_KEY: 'ak_conformanceAdminKey0000000001' };
  const s = await startServerProcess(env);
  try {
    const r = await new Promise<{ status: number | null; stdout: string }>(resolve => {
      const out = spawnSync(process.execPath, [CHECK, '--base', s.url, '--write-key', env.OMNIS_WRITE_KEY, '--admin-key', env.OMNIS_ADMIN_KEY], { encoding: 'utf8', timeout: 120_000 });
      resolve({ status: out.status, stdout: out.stdout });
    });
    assert.equal(r.status, 0, r.stdout.split('\n').filter(l => l.startsWith('FAIL')).join('\n'));
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
