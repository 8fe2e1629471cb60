import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Db } from './types.ts';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration { version: number; name: string; sql: string }

/** Numbered plain-SQL migrations: NNN_name.sql, applied in order, each once. */
export function listMigrations(): Migration[] {
  return readdirSync(DIR).filter(f => /^\d{3}_.+\.sql$/.test(f)).sort().map(f => ({
    version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(join(DIR, f), 'utf8'),
  }));
}

export async function migrate(db: Db, onApply?: (m: Migration) => void): Promise<Migration[]> {
  await db.exec(`create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())`);
  const done = new Set((await db.query<{ version: number }>('select version from schema_migrations')).map(r => r.version));
  const applied: Migration[] = [];
  for (const m of listMigrations()) {
    if (done.has(m.version)) continue;
    await db.transaction(async tx => {
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
    });
    onApply?.(m);
    applied.push(m);
  }
  return applied;
}
