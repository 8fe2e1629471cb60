import { definitionStamp, type Queryable } from '../store/index.ts';
import { parseCondition, compile, requirements, type Condition, type CompiledCondition, type Requirements } from './condition/index.ts';
import { parseComputedTrait, compileComputedTrait, BUILTIN_TRAITS, type ComputedTrait, type ComputedTraitDef } from './computed/index.ts';

export interface SegmentDef { id: string; name: string; condition: Condition; compiled: CompiledCondition; req: Requirements; status: string }
export interface TraitDef { name: string; def: ComputedTraitDef | null; compiled: ComputedTrait }

/** A workspace's live segments and computed traits, compiled, in evaluation order. */
export interface Definitions { segments: SegmentDef[]; traits: TraitDef[] }

/**
 * Compiled definitions per workspace, reloaded when a segment or computed trait changes
 * (one primary-key read of the workspace's definition stamp per batch), so every process
 * and thread sees edits promptly.
 */
export class DefinitionCache {
  private cache = new Map<string, { stamp: string; defs: Definitions }>();

  async get(q: Queryable, workspaceId: string): Promise<Definitions> {
    const stamp = await definitionStamp(q, workspaceId, 'segments');
    const hit = this.cache.get(workspaceId);
    if (hit && hit.stamp === stamp) return hit.defs;
    const defs = await load(q, workspaceId);
    this.cache.set(workspaceId, { stamp, defs });
    return defs;
  }
}

async function load(q: Queryable, workspaceId: string): Promise<Definitions> {
  const [segs, traits] = await Promise.all([
    q.query<{ id: string; name: string; condition: unknown; status: string }>('select id, name, condition, status from segments where workspace_id = $1 order by created_at, id', [workspaceId]),
    q.query<{ name: string; definition: unknown }>('select name, definition from computed_traits where workspace_id = $1 order by name', [workspaceId]),
  ]);
  const segments = orderByDependencies(segs.map(s => {
    const condition = parseCondition(s.condition);
    return { id: s.id, name: s.name, condition, compiled: compile(condition), req: requirements(condition), status: s.status };
  }));
  const custom = traits.map(t => { const def = parseComputedTrait(t.definition); return { name: def.name, def, compiled: compileComputedTrait(def) }; });
  const builtins = BUILTIN_TRAITS.filter(b => !custom.some(c => c.name === b.name)).map(b => ({ name: b.name, def: null, compiled: b }));
  return { segments, traits: [...builtins, ...custom] };
}

/** Segments that read other segments come after them, so one pass sees their new membership. */
function orderByDependencies(segs: SegmentDef[]): SegmentDef[] {
  const byId = new Map(segs.map(s => [s.id, s]));
  const out: SegmentDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: SegmentDef) => {
    if (state.get(s.id) === 'done' || state.get(s.id) === 'visiting') return; // cycles are refused at save time
    state.set(s.id, 'visiting');
    for (const d of s.req.segments) { const dep = byId.get(d); if (dep) visit(dep); }
    state.set(s.id, 'done');
    out.push(s);
  };
  segs.forEach(visit);
  return out;
}
