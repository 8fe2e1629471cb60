import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis } from '../app/index.ts';
import { buildServer } from '../api/index.ts';
import { createKey, ensureKey, listKeys, hashKey } from '../ingest/index.ts';
import { OmnisError } from '../shared/index.ts';
import { openConfiguredStore, dataDir, usingPostgres, acceptJournal, fail } from './runtime.ts';
import { seedDemo, startGentleSimulator } from '../demo/index.ts';
import { ensureAdmin, ensureFirstAdmin } from '../users/index.ts';

interface Keys { writeKey: string | null; adminKey: string | null; note: string }

/**
 * OMNIS_WRITE_KEY / OMNIS_ADMIN_KEY are ensured when set. Otherwise the first start creates
 * a key of each kind; in embedded mode they are kept in the data folder (mode 600) so the
 * quick start can print them on every start, as long as they are not revoked.
 */
async function ensureStartKeys(omnis: Omnis): Promise<Keys> {
  const db = omnis.db;
  const env = { write: process.env.OMNIS_WRITE_KEY, admin: process.env.OMNIS_ADMIN_KEY };
  if (env.write) await ensureKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'write', name: 'OMNIS_WRITE_KEY', source: 'server', secret: env.write });
  if (env.admin) await ensureKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'admin', name: 'OMNIS_ADMIN_KEY', secret: env.admin });
  const file = usingPostgres() ? null : join(resolve(dataDir()), 'initial-keys.json');
  const live = (await listKeys(db, DEFAULT_WORKSPACE)).filter(k => !k.revokedAt);
  let saved: { writeKey?: string; adminKey?: string } = {};
  if (file && existsSync(file)) { try { saved = JSON.parse(readFileSync(file, 'utf8')); } catch { saved = {}; } }
  let writeKey = env.write ?? saved.writeKey ?? null;
  let adminKey = env.admin ?? saved.adminKey ?? null;
  const liveHashes = new Set((await db.query<{ key_hash: string }>('select key_hash from api_keys where revoked_at is null')).map(r => r.key_hash));
  if (writeKey && !liveHashes.has(hashKey(writeKey))) writeKey = null;
  if (adminKey && !liveHashes.has(hashKey(adminKey))) adminKey = null;
  let created = false;
  if (!writeKey && !live.some(k => k.kind === 'write')) { writeKey = (await createKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'write', name: 'web', source: 'web', channel: 'web' })).secret; created = true; }
  if (!adminKey && !live.some(k => k.kind === 'admin')) { adminKey = (await createKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'admin', name: 'first admin key' })).secret; created = true; }
  if (created && file) writeFileSync(file, JSON.stringify({ writeKey, adminKey }, null, 2), { mode: 0o600 });
  return { writeKey, adminKey, note: created && !file ? 'these keys are shown once; keep them' : '' };
}

/**
 * Console sign-in. OMNIS_ADMIN_EMAIL and OMNIS_ADMIN_PASSWORD make sure that admin exists
 * with that password. Otherwise a default workspace without any user gets admin@localhost
 * with a random password, returned here to be printed once: the next start finds a user.
 */
async function ensureStartUsers(omnis: Omnis): Promise<string | null> {
  const email = process.env.OMNIS_ADMIN_EMAIL;
  const password = process.env.OMNIS_ADMIN_PASSWORD;
  if (email && password) {
    try { await ensureAdmin(omnis.db, omnis.users, DEFAULT_WORKSPACE, email, password); } catch (e) {
      fail(`OMNIS_ADMIN_EMAIL / OMNIS_ADMIN_PASSWORD: ${e instanceof OmnisError ? e.message : (e as Error).message}`);
    }
    return `${email.trim().toLowerCase()} (OMNIS_ADMIN_EMAIL / OMNIS_ADMIN_PASSWORD)`;
  }
  if (email || password) process.stderr.write('omnis: set both OMNIS_ADMIN_EMAIL and OMNIS_ADMIN_PASSWORD to ensure a console admin; ignoring the one set\n');
  const first = await ensureFirstAdmin(omnis.db, omnis.users, DEFAULT_WORKSPACE);
  return first ? `${first.email} / ${first.password} (shown once; change it)` : null;
}

/**
 * The key that seals channel secrets: OMNIS_SECRET_KEY, else one generated on first start
 * and kept (mode 600) in the data folder. Several processes on one Postgres must share
 * OMNIS_SECRET_KEY.
 */
function secretKey(): string {
  if (process.env.OMNIS_SECRET_KEY) return process.env.OMNIS_SECRET_KEY;
  const dir = resolve(dataDir());
  const file = join(dir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  if (usingPostgres()) process.stderr.write(`omnis: OMNIS_SECRET_KEY is not set; generated one in ${file}. Set OMNIS_SECRET_KEY so every process shares it.\n`);
  return key;
}

export function serveCommand(program: Command) {
  program.command('serve')
    .description('run Omnis: tracking API, management API and the pipeline in one process')
    .option('--port <n>', 'port (default: PORT, else 3000)', v => Number(v))
    .option('--host <host>', 'address to listen on (default: HOST, else 127.0.0.1)')
    .option('--no-demo', 'start empty: no demo workspace, no simulated customers (OMNIS_DEMO=0 does the same)')
    .option('--demo-rate <r>', 'events per second of the simulated demo customers (default 2; 0: seed the demo but simulate nobody)', v => Number(v))
    .action(async o => {
      const port = o.port ?? Number(process.env.PORT ?? 3000);
      const host = o.host ?? process.env.HOST ?? '127.0.0.1';
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got ${o.port ?? process.env.PORT}`);
      let db, journal = false;
      try {
        journal = acceptJournal();
        db = await openConfiguredStore({ thread: journal });
      } catch (e) { fail(e instanceof OmnisError ? e.message : `cannot open storage: ${(e as Error).message}`); }
      const omnis = await createOmnis({
        db, secretKey: secretKey(), rateLimit: process.env.OMNIS_RATE_LIMIT ? Number(process.env.OMNIS_RATE_LIMIT) : undefined,
        journalDir: journal ? join(resolve(dataDir()), 'journal') : undefined,
      });
      await omnis.start();
      const keys = await ensureStartKeys(omnis);
      const signIn = await ensureStartUsers(omnis);
      const demoOn = o.demo && process.env.OMNIS_DEMO !== '0';
      const demo = demoOn ? await seedDemo(omnis, { keysFile: join(resolve(dataDir()), 'demo-keys.json') }) : null;
      const app = await buildServer(omnis, { logger: process.env.OMNIS_LOG === '1' });
      await app.listen({ port, host });
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${(app.server.address() as { port: number }).port}`;
      const out = [
        `Omnis is running at ${url}`,
        `  storage:   ${usingPostgres() ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${resolve(dataDir())}`}`,
        `  write key: ${keys.writeKey ?? '(set OMNIS_WRITE_KEY or run: npx omnis keys create --kind write)'}`,
        `  admin key: ${keys.adminKey ?? '(set OMNIS_ADMIN_KEY or run: npx omnis keys create --kind admin)'}`,
        `  try:       curl -u '${keys.writeKey ?? 'WRITE_KEY'}:' ${url}/v1/track -d '{"userId":"u1","event":"Hello"}'`,
        `  API docs:  ${url}/api/openapi.json`,
      ];
      if (signIn) out.push(`  console sign-in: ${signIn}`);
      if (keys.note) out.push(`  (${keys.note})`);
      const demoStop = new AbortController();
      const demoRate = o.demoRate ?? 2;
      const sim = demo && demoRate > 0 ? startGentleSimulator({
        url, keys: demo.keys, rate: demoRate, signal: demoStop.signal, adminKey: keys.adminKey ?? undefined,
        backfill: demo.firstRun ? { customers: 300, days: 30 } : undefined,
        onError: e => process.stderr.write(`demo simulator: ${e instanceof Error ? e.message : String(e)}\n`),
      }) : null;
      if (demo) out.push(`  demo:      mattress brand workspace${sim ? `, simulated customers at ${demoRate} events/s${demo.firstRun ? ' after 30 days of history' : ''}` : ''} (omnis serve --no-demo starts empty)`);
      process.stdout.write(out.join('\n') + '\n');
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        demoStop.abort();
        await sim?.done;
        await app.close();
        await omnis.stop();
        await db.close();
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
