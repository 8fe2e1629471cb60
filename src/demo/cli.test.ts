import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { systemClock } from '../shared/index.ts';
import { seedDemo } from './index.ts';

const SIMULATE = fileURLToPath(new URL('../cli/simulate.ts', import.meta.url));

/** `omnis simulate ...` as its own process (the command registered alone, as main.ts will). */
function simulate(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const code = `import { Command } from 'commander'; import { simulateCommand } from ${JSON.stringify(SIMULATE)};
    const p = new Command('omnis'); simulateCommand(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, '--', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', d => { stdout += d; });
  child.stderr.on('data', d => { stderr += d; });
  return new Promise(resolve => child.on('exit', c => resolve({ code: c, stdout, stderr })));
}

describe('omnis simulate', () => {
  let t: TestOmnis;
  let dir: string;
  let url: string;
  before(async () => {
    t = await startTestOmnis('pglite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'omnis-sim-'));
    await seedDemo(t.omnis, { keysFile: join(dir, 'demo-keys.json') });
  });
  after(async () => { await t.close(); rmSync(dir, { recursive: true, force: true }); });

  test('drives a server with the demo keys from the data folder and prints the planted effects', async () => {
    const r = await simulate(['simulate', '--customers', '20', '--days', '5', '--url', url, '--seed', '3'], { OMNIS_DATA_DIR: dir, DATABASE_URL: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sent \d+ events for 20 customers in .* \d+ accepted, 0 rejected/);
    assert.match(r.stdout, /right answer: store > email > social_ads > display/);
    assert.match(r.stderr, /seed 3/);
  });

  test('one write key for everything, JSON out; the same seed again stores nothing new', async () => {
    const args = ['simulate', '--customers', '10', '--days', '3', '--url', url, '--seed', '4', '--write-key', t.writeKey, '--json'];
    const r = await simulate(args, { DATABASE_URL: '' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { seed: number; sent: number; rejected: number; customers: number };
    assert.equal(out.seed, 4);
    assert.equal(out.customers, 10);
    await t.omnis.idle();
    const count = async () => (await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from events where message_id like 'sim-s4-%'`))[0].n;
    const n = await count();
    assert.equal(n, out.sent);
    assert.equal((await simulate(args, { DATABASE_URL: '' })).code, 0);
    await t.omnis.idle();
    assert.equal(await count(), n);
  });

  test('without keys it says where they come from', async () => {
    const r = await simulate(['simulate', '--customers', '1', '--url', url], { OMNIS_DATA_DIR: join(dir, 'none'), DATABASE_URL: '' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no write key: pass --write-key/);
  });
});
