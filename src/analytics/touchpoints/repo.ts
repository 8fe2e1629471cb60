/** Where a workspace's taxonomy is kept (table analytics_taxonomies, migration 005). */
import type { Queryable } from '../../store/index.ts';
import { invalid } from '../../shared/index.ts';
import { defaultTaxonomy } from './defaults.ts';
import type { StoredTaxonomy, Taxonomy } from './types.ts';
import { parseTaxonomy, patternsOf } from './validate.ts';

export async function getTaxonomy(db: Queryable, workspaceId: string): Promise<StoredTaxonomy> {
  const rows = await db.query<{ taxonomy: unknown; updated_at: Date }>('select taxonomy, updated_at from analytics_taxonomies where workspace_id = $1', [workspaceId]);
  if (!rows.length) return { ...defaultTaxonomy(), isDefault: true, updatedAt: null };
  // Parsed again on the way out: a row written by an older version gets today's defaults for keys it lacks.
  return { ...parseTaxonomy(rows[0].taxonomy), isDefault: false, updatedAt: new Date(rows[0].updated_at).toISOString() };
}

/**
 * Replaces the workspace's taxonomy; keys left out take the defaults. `{}` goes back to the
 * built-in taxonomy itself (no row), so it follows the defaults of later versions too.
 */
export async function setTaxonomy(db: Queryable, workspaceId: string, input: unknown, now: number): Promise<StoredTaxonomy> {
  const taxonomy = parseTaxonomy(input);
  if (Object.keys(input as object).length === 0) {
    await db.query('delete from analytics_taxonomies where workspace_id = $1', [workspaceId]);
    return { ...taxonomy, isDefault: true, updatedAt: null };
  }
  await checkPatterns(db, taxonomy);
  await db.query(
    `insert into analytics_taxonomies (workspace_id, taxonomy, updated_at) values ($1, $2::jsonb, to_timestamp($3::float8 / 1000.0))
     on conflict (workspace_id) do update set taxonomy = excluded.taxonomy, updated_at = excluded.updated_at`,
    [workspaceId, JSON.stringify(taxonomy), now]);
  return { ...taxonomy, isDefault: false, updatedAt: new Date(now).toISOString() };
}

/** Patterns run in the database, so the database's own regex engine decides what is valid. */
async function checkPatterns(db: Queryable, t: Taxonomy): Promise<void> {
  for (const { at, pattern } of patternsOf(t)) await checkPattern(db, at, pattern);
}

export async function checkPattern(db: Queryable, at: string, pattern: string): Promise<void> {
  try {
    await db.query(`select '' ~* $1::text as ok`, [pattern]);
  } catch (e) {
    throw invalid(at, `not a valid regular expression: ${(e as Error).message}`);
  }
}
