import type { Queryable } from '../store/index.ts';
import { compileRules, parseIdentityRules, type CompiledRules, type IdentityRules } from '../identity/index.ts';
import { notFound, type Clock } from '../shared/index.ts';

export const DEFAULT_WORKSPACE = 'default';

export async function ensureWorkspace(db: Queryable, id: string, name: string): Promise<boolean> {
  const rows = await db.query('insert into workspaces (id, name) values ($1, $2) on conflict (id) do nothing returning id', [id, name]);
  return rows.length > 0;
}

/** Identity rules per workspace, cached briefly: the pipeline asks for them every batch. */
export class WorkspaceSettings {
  private cache = new Map<string, { rules: CompiledRules; at: number }>();
  constructor(private db: Queryable, private clock: Clock, private ttlMs = 5000) {}

  /** `q` is the caller's transaction when there is one (PGlite deadlocks on a second connection). */
  async rulesFor(workspaceId: string, q: Queryable = this.db): Promise<CompiledRules> {
    const hit = this.cache.get(workspaceId);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit.rules;
    const rows = await q.query<{ settings: { identity?: unknown } }>('select settings from workspaces where id = $1', [workspaceId]);
    const rules = compileRules(parseIdentityRules(rows[0]?.settings?.identity ?? {}));
    this.cache.set(workspaceId, { rules, at: this.clock.now() });
    return rules;
  }

  async setIdentityRules(workspaceId: string, input: unknown): Promise<IdentityRules> {
    const rules = parseIdentityRules(input);
    const rows = await this.db.query(
      `update workspaces set settings = jsonb_set(settings, '{identity}', $2::jsonb) where id = $1 returning id`, [workspaceId, JSON.stringify(input ?? {})]);
    if (!rows.length) throw notFound(`workspace ${workspaceId}`);
    this.cache.delete(workspaceId);
    return rules;
  }
}
