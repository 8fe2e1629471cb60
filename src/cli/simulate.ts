import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { DEFAULT_WORKSPACE } from '../app/index.ts';
import {
  demoKeys, describeEffects, readKeysFile, runSimulation, startGentleSimulator, EXPOSURES, PLANTED_EFFECTS,
  type DemoKeys, type SimulationResult,
} from '../demo/index.ts';
import { openConfiguredStore, dataDir, usingPostgres, fail } from './runtime.ts';
import { progressBar } from './progress.ts';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`${name} must be a whole number ≥ 0, got ${v}`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`${name} must be a number > 0, got ${v}`);
  return n;
};

/** The write key(s) to send with: --write-key, else the demo keys (file, or the database on Postgres). */
async function keysFor(o: { writeKey?: string; keysFile?: string; workspace: string }): Promise<DemoKeys | string> {
  if (o.writeKey) return o.writeKey;
  const file = resolve(o.keysFile ?? join(dataDir(), 'demo-keys.json'));
  const saved = readKeysFile(file);
  if (saved) return saved.keys;
  if (o.keysFile) fail(`${file} holds no demo keys`);
  if (usingPostgres()) {
    const db = await openConfiguredStore();
    try {
      const keys = await demoKeys({ db }, o.workspace).catch(() => null);
      if (keys) return keys;
    } finally { await db.close(); }
  }
  return fail(`no write key: pass --write-key, or start the server with its demo (omnis serve) so that ${file} holds the demo's keys`);
}

function summary(r: SimulationResult, url: string, from: number, to: number): string[] {
  const secs = r.ms / 1000;
  const out = [
    `sent ${r.sent} events for ${r.customers} customers in ${secs.toFixed(1)} s (${Math.round(r.sent / Math.max(secs, 0.001))} events/s): ${r.accepted} accepted, ${r.rejected} rejected, ${r.retries} retries`,
  ];
  for (const e of r.errors) out.push(`  rejected ${e}`);
  const t = r.truth;
  const pct = (a: number, b: number) => (b ? `${((a / b) * 100).toFixed(1)}%` : '-');
  out.push(`${t.buyers} of ${t.customers} customers bought (${pct(t.buyers, t.customers)}); with none of the exposures: ${pct(t.baseline.buyers, t.baseline.customers)} of ${t.baseline.customers}`);
  out.push(...describeEffects());
  out.push('in this sample (customers exposed, of them bought):');
  for (const e of EXPOSURES) {
    const x = t.exposures[e];
    out.push(`  ${e.padEnd(12)} ${String(x.customers).padStart(7)} ${String(x.buyers).padStart(7)}  ${pct(x.buyers, x.customers).padStart(6)}  planted ×${PLANTED_EFFECTS.effects[e].lift}`);
  }
  const range = `"from": "${new Date(from).toISOString().slice(0, 10)}", "to": "${new Date(to).toISOString().slice(0, 10)}"`;
  out.push(`compare: POST ${url}/api/v1/attribution {${range}, "models": ["markov", "linear"], "nulls": true}`);
  return out;
}

export function simulateCommand(program: Command) {
  program.command('simulate')
    .description('send synthetic customers of the demo mattress brand (browsing, carts, email, ads, marketplace, showroom visits, orders) to a server through its tracking API, with planted channel effects; for load, benchmarks and demos')
    .option('--customers <n>', 'customers to simulate', int('--customers'), 1000)
    .option('--days <d>', 'days of history their timestamps spread over, ending now', positive('--days'), 30)
    .option('--rate <r>', 'events per second at most (default: as fast as the server takes them; --live: 2)', positive('--rate'))
    .option('--url <url>', 'the server (default: http://127.0.0.1:$PORT, else port 3000)')
    .option('--write-key <key>', 'one write key for every source (default: the demo keys)')
    .option('--keys-file <file>', "the demo's write keys, as omnis serve writes them (default: $OMNIS_DATA_DIR/demo-keys.json)")
    .option('--workspace <id>', 'with DATABASE_URL and no keys file: read the demo keys of this workspace', DEFAULT_WORKSPACE)
    .option('--seed <s>', 'the same seed gives the same customers and message ids, so a rerun stores nothing new (default: random, printed)', int('--seed'))
    .option('--live', 'instead of history: keep a small population moving in real time until interrupted')
    .option('--json', 'print the summary as JSON')
    .action(async o => {
      const url = String(o.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
      try { new URL(url); } catch { fail(`--url must be a URL like http://127.0.0.1:3000, got ${o.url}`); }
      const keys = await keysFor(o);
      const seed: number = o.seed ?? randomInt(1, 1_000_000);
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (o.live) {
        process.stderr.write(`simulating live customers against ${url} at ${o.rate ?? 2} events/s (seed ${seed}); Ctrl-C stops\n`);
        const sim = startGentleSimulator({ url, keys, rate: o.rate ?? 2, seed, signal: ac.signal, onError: e => process.stderr.write(`omnis simulate: ${(e as Error).message ?? e}\n`) });
        const timer = setInterval(() => process.stderr.write(`${sim.stats.events} events, ${sim.stats.customers} customers, ${sim.stats.errors} errors\n`), 10_000);
        await sim.done;
        clearInterval(timer);
        process.stdout.write([`sent ${sim.stats.events} events for ${sim.stats.customers} customers`, ...describeEffects()].join('\n') + '\n');
        return;
      }
      process.stderr.write(`simulating ${o.customers} customers over ${o.days} days against ${url} (seed ${seed})\n`);
      const bar = progressBar('simulating', o.customers, ' customers');
      let result: SimulationResult;
      const now = Date.now();
      try {
        result = await runSimulation({ url, keys, customers: o.customers, days: o.days, seed, now, rate: o.rate, signal: ac.signal, onProgress: p => bar.update(p.customers) });
      } catch (e) {
        bar.stop();
        if (ac.signal.aborted) fail('interrupted', 130);
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        if (cause?.code === 'ECONNREFUSED') return fail(`no server at ${url} (start one with: npx omnis serve)`, 1);
        return fail(`${(e as Error).message}${cause?.message ? `: ${cause.message}` : ''}`, 1);
      }
      bar.stop();
      process.stdout.write((o.json ? JSON.stringify({ seed, ...result }, null, 2) : summary(result, url, now - o.days * 86_400_000, now).join('\n')) + '\n');
      process.exitCode = result.rejected ? 1 : 0;
    });
}
