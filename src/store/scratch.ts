import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Db } from './types.ts';
import { openPglite } from './pglite.ts';
import { listMigrations, migrate } from './migrate.ts';

let template: Promise<{ dump: Blob; file: string | null }> | null = null;

/**
 * A throwaway in-memory database, already migrated. Creating an empty PGlite cluster takes
 * about 2 s; so the first one is migrated and dumped, and every later one in the process
 * loads from that dump (about 0.5 s). The journey simulator opens one per simulation.
 * `cacheDir` keeps the dump in a file named for the migrations and PGlite's version, so other
 * processes (the test suite's) load it too. The process's first call decides where the dump
 * comes from; later calls reuse it whatever they pass.
 */
export function openScratchDb(opts: { cacheDir?: string } = {}): Promise<Db> {
  return fromTemplate(opts.cacheDir, dump => openPglite('memory://', { loadDataDir: dump }));
}

/**
 * Fills a new, empty data folder with the migrated template, as `openStore({ dataDir })` would
 * find it after its first start and migrations: PGlite restores the dump instead of running
 * initdb (about 1.2 s against 3.3 s). The suites that start many servers on new folders use it.
 */
export async function seedDataDir(dataDir: string, opts: { cacheDir?: string } = {}): Promise<void> {
  // Refused before anything is touched: the retry below removes what a failed restore left.
  if (existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))) throw new Error(`${dataDir} holds a database already: only a new folder is seeded`);
  const db = await fromTemplate(opts.cacheDir, dump => openPglite(dataDir, { loadDataDir: dump }), () => rmSync(join(dataDir, 'pgdata'), { recursive: true, force: true }));
  await db.close();
}

/** Opens with the process's template; a cached file that does not load (damaged on disk) is made again, once. */
async function fromTemplate(cacheDir: string | undefined, open: (dump: Blob) => Promise<Db>, undo?: () => void): Promise<Db> {
  template ??= makeTemplate(cacheDir).catch(e => { template = null; throw e; });
  const { dump, file } = await template;
  try {
    return await open(dump);
  } catch (e) {
    if (!file) throw e;
    rmSync(file, { force: true });
    undo?.();
    template = makeTemplate(cacheDir, false);
    return open((await template).dump);
  }
}

/**
 * The dump is kept gzipped on disk (5 MB) but as a plain tar in memory (40 MB): PGlite then
 * skips the gunzip on every load, about a third of the time a scratch database took to open.
 */
async function makeTemplate(cacheDir?: string, readCache = true): Promise<{ dump: Blob; file: string | null }> {
  const file = cacheDir ? join(cacheDir, `omnis-pglite-${templateKey()}.tar.gz`) : null;
  if (file && readCache) { try { return { dump: plainTar(readFileSync(file)), file }; } catch { /* not made yet, or not a gzip file */ } }
  const db = await openPglite('memory://');
  let gzipped: Buffer;
  try {
    await migrate(db);
    gzipped = Buffer.from(await (await db.dump()).arrayBuffer());
  } finally { await db.close(); }
  if (file) {
    // Written whole, then renamed: a process reading it meanwhile finds it absent, never half written.
    const part = `${file}.${process.pid}`;
    writeFileSync(part, gzipped);
    renameSync(part, file);
  }
  return { dump: plainTar(gzipped), file: null };
}

const plainTar = (gzipped: Buffer) => new Blob([gunzipSync(gzipped)], { type: 'application/x-tar' });

/** Changes with any migration and with PGlite's version (its package.json is not exported: found beside its entry). */
function templateKey(): string {
  const hash = createHash('sha256');
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  hash.update(readFileSync(join(entry.slice(0, entry.lastIndexOf('/dist/')), 'package.json')));
  for (const m of listMigrations()) hash.update(`${m.version}\u0000${m.name}\u0000${m.sql}\u0000`);
  return hash.digest('hex').slice(0, 16);
}
