#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no --test globs).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  let names = [];
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
// The suites that run whole servers through crash loops and restarts take minutes; they start
// first, so the short ones fill in beside them instead of leaving them to run alone at the end.
const LONG = ['src/journeys/crash.test.ts', 'src/cli/cli.test.ts', 'src/journeys/kill.test.ts', 'src/api/durability.test.ts', 'src/journeys/steps.test.ts', 'src/journeys/lifecycle.test.ts', 'src/cli/signin.test.ts'];
const rank = f => { const i = LONG.indexOf(f); return i < 0 ? LONG.length : i; };
let files = [...find('src'), ...find('test')].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (filter.length) files = files.filter(f => filter.some(x => f.includes(x)));
if (!files.length) { console.error('no test files found'); process.exit(1); }
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
