import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listMigrations } from './migrate.ts';
import { openScratchDb, seedDataDir } from './scratch.ts';
import { openStore } from './index.ts';

test('scratch databases come migrated, each its own, from one dump kept in the cache folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnis-scratch-'));
  try {
    const a = await openScratchDb({ cacheDir: dir });
    const b = await openScratchDb({ cacheDir: dir });
    try {
      for (const db of [a, b]) {
        const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
        assert.deepEqual(rows.map(r => r.version), listMigrations().map(m => m.version));
      }
      await a.query(`insert into workspaces (id, name) values ('only-in-a', 'A')`);
      const [{ n }] = await b.query<{ n: number }>(`select count(*)::int as n from workspaces where id = 'only-in-a'`);
      assert.equal(n, 0, 'what one holds the other does not');
    } finally { await a.close(); await b.close(); }
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0], /^omnis-pglite-[0-9a-f]{16}\.tar\.gz$/);
    assert.deepEqual([...readFileSync(join(dir, files[0])).subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');

    // A new data folder seeded from the same dump is a migrated installation that keeps what it is given.
    const data = join(dir, 'data');
    await seedDataDir(data, { cacheDir: dir });
    const seeded = await openStore({ dataDir: data, databaseUrl: '' });
    try {
      const rows = await seeded.query<{ version: number }>('select version from schema_migrations order by version');
      assert.deepEqual(rows.map(r => r.version), listMigrations().map(m => m.version));
      await seeded.query(`insert into workspaces (id, name) values ('kept', 'K')`);
    } finally { await seeded.close(); }
    const reopened = await openStore({ dataDir: data, databaseUrl: '' });
    try {
      assert.equal((await reopened.query(`select 1 from workspaces where id = 'kept'`)).length, 1);
    } finally { await reopened.close(); }
    await assert.rejects(seedDataDir(data), /holds a database already/, 'a folder that holds a cluster is never overwritten');
    assert.deepEqual(readdirSync(dir).filter(f => f !== 'data'), files, 'no second dump was made');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a damaged cache file is made again instead of failing every scratch database', async () => {
  // A fresh copy of the module for each step: the dump is memoized per module instance.
  const fresh = async () => (await import(`./scratch.ts?instance=${Math.random()}`) as typeof import('./scratch.ts')).openScratchDb;
  const dir = mkdtempSync(join(tmpdir(), 'omnis-scratch-'));
  try {
    await (await (await fresh())({ cacheDir: dir })).close();
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name), 'not a tarball');
    const db = await (await fresh())({ cacheDir: dir });
    try {
      const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
      assert.equal(rows.length, listMigrations().length);
    } finally { await db.close(); }
    assert.deepEqual([...readFileSync(join(dir, name)).subarray(0, 2)], [0x1f, 0x8b], 'the file was made again');

    // A process whose dump came from the cache file: seeding a folder in use is refused and changes nothing in it.
    const data = join(dir, 'data');
    const seed = (await import(`./scratch.ts?instance=${Math.random()}`) as typeof import('./scratch.ts')).seedDataDir;
    await seed(data, { cacheDir: dir });
    const kept = await openStore({ dataDir: data, databaseUrl: '' });
    try { await kept.query(`insert into workspaces (id, name) values ('kept', 'K')`); } finally { await kept.close(); }
    await assert.rejects(seed(data, { cacheDir: dir }), /holds a database already/);
    const after = await openStore({ dataDir: data, databaseUrl: '' });
    try { assert.equal((await after.query(`select 1 from workspaces where id = 'kept'`)).length, 1); } finally { await after.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
