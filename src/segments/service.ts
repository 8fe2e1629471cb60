import type { Db, Queryable, Tx } from '../store/index.ts';
import { isoOf } from '../store/index.ts';
import { invalid, notFound, conflict, newId, type Clock } from '../shared/index.ts';
import { parseCondition, compile, type Condition } from './condition/index.ts';
import { parseComputedTrait, BUILTIN_NAMES } from './computed/index.ts';
import { loadStates } from './load.ts';
import { requirements } from './condition/index.ts';
import { ReachCounter, sampleProfiles, type PreviewResult } from './preview.ts';
import { usageOf, type JourneyDefs, type SegmentUsage } from './usage.ts';

export const COMPUTE_JOB = 'segment_compute';

export interface SegmentView {
  id: string; name: string; description: string | null; condition: Condition; status: 'computing' | 'ready';
  progress: { done: number; total: number }; size: number; version: number; createdAt: string; updatedAt: string;
}

interface SegmentRow { id: string; name: string; description: string | null; condition: Condition; status: 'computing' | 'ready'; progress: { done: number; total: number }; version: number; created_at: Date; updated_at: Date }

const view = (r: SegmentRow, size: number): SegmentView => ({
  id: r.id, name: r.name, description: r.description, condition: r.condition, status: r.status, progress: r.progress, size, version: r.version,
  createdAt: isoOf(r.created_at), updatedAt: isoOf(r.updated_at),
});

async function conditionsOf(q: Queryable, workspaceId: string): Promise<Map<string, Condition>> {
  const rows = await q.query<{ id: string; condition: Condition }>('select id, condition from segments where workspace_id = $1', [workspaceId]);
  return new Map(rows.map(r => [r.id, r.condition]));
}

async function validated(q: Queryable, workspaceId: string, input: unknown, segmentId: string): Promise<Condition> {
  const others = await conditionsOf(q, workspaceId);
  return parseCondition(input, 'condition', { knownSegments: id => others.has(id), segmentId, resolveSegment: id => others.get(id) });
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim() || name.length > 200) throw invalid('name', 'expected a name of 1 to 200 characters');
  return name.trim();
}

/** A (re)compute over every profile runs as a pipeline job, so the pipeline stays the only writer of memberships. */
async function startCompute(tx: Tx, workspaceId: string, segmentId: string, now: number) {
  const [{ n }] = await tx.query<{ n: number }>('select count(*)::int as n from profiles where workspace_id = $1 and merged_into is null', [workspaceId]);
  await tx.query(`delete from pipeline_jobs where kind = $1 and state->>'segmentId' = $2`, [COMPUTE_JOB, segmentId]);
  await tx.query(`insert into pipeline_jobs (id, workspace_id, kind, state, created_at) values ($1, $2, $3, $4, to_timestamp($5 / 1000.0))`,
    [newId('job'), workspaceId, COMPUTE_JOB, JSON.stringify({ segmentId, cursor: '', done: 0, total: n }), now]);
  await tx.query(`update segments set status = 'computing', progress = $2 where id = $1`, [segmentId, JSON.stringify({ done: 0, total: n })]);
}

export class SegmentService {
  constructor(private db: Db, private clock: Clock, private onJob: () => void = () => {}) {}

  async create(workspaceId: string, input: { name?: unknown; description?: unknown; condition?: unknown }): Promise<SegmentView> {
    const id = newId('seg');
    const name = checkName(input.name);
    const condition = await validated(this.db, workspaceId, input.condition, id);
    const now = this.clock.now();
    await this.db.transaction(async tx => {
      await tx.query(`insert into segments (id, workspace_id, name, description, condition, created_at, updated_at) values ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), to_timestamp($6 / 1000.0))`,
        [id, workspaceId, name, typeof input.description === 'string' ? input.description : null, JSON.stringify(condition), now]);
      await startCompute(tx, workspaceId, id, now);
    });
    this.onJob();
    return this.get(workspaceId, id);
  }

  async update(workspaceId: string, id: string, input: { name?: unknown; description?: unknown; condition?: unknown }): Promise<SegmentView> {
    const cur = await this.get(workspaceId, id);
    const name = input.name === undefined ? cur.name : checkName(input.name);
    const condition = input.condition === undefined ? cur.condition : await validated(this.db, workspaceId, input.condition, id);
    const now = this.clock.now();
    await this.db.transaction(async tx => {
      await tx.query(`update segments set name = $2, description = $3, condition = $4, version = version + 1, updated_at = to_timestamp($5 / 1000.0) where id = $1`,
        [id, name, typeof input.description === 'string' ? input.description : cur.description, JSON.stringify(condition), now]);
      if (input.condition !== undefined) await startCompute(tx, workspaceId, id, now);
    });
    this.onJob();
    return this.get(workspaceId, id);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const users = (await conditionsOf(this.db, workspaceId));
    const user = [...users].find(([other, c]) => other !== id && JSON.stringify(c).includes(JSON.stringify(id)));
    if (user) throw conflict(`segment ${user[0]} refers to this segment; change it first`, 'id');
    await this.db.transaction(async tx => {
      const rows = await tx.query('delete from segments where id = $1 and workspace_id = $2 returning id', [id, workspaceId]);
      if (!rows.length) throw notFound(`segment ${id}`);
      await tx.query('delete from segment_members where segment_id = $1', [id]);
      await tx.query(`update segment_history set exited_at = to_timestamp($2 / 1000.0) where segment_id = $1 and exited_at is null`, [id, this.clock.now()]);
      await tx.query(`delete from pipeline_jobs where kind = $1 and state->>'segmentId' = $2`, [COMPUTE_JOB, id]);
    });
  }

  async get(workspaceId: string, id: string): Promise<SegmentView> {
    const rows = await this.db.query<SegmentRow>('select * from segments where id = $1 and workspace_id = $2', [id, workspaceId]);
    if (!rows[0]) throw notFound(`segment ${id}`);
    const [{ n }] = await this.db.query<{ n: number }>('select count(*)::int as n from segment_members where segment_id = $1', [id]);
    return view(rows[0], n);
  }

  async list(workspaceId: string): Promise<SegmentView[]> {
    const rows = await this.db.query<SegmentRow & { size: number }>(
      `select s.*, (select count(*)::int from segment_members m where m.segment_id = s.id) as size from segments s where workspace_id = $1 order by created_at, id`, [workspaceId]);
    return rows.map(r => view(r, r.size));
  }

  async members(workspaceId: string, id: string, opts: { limit?: number; cursor?: string }): Promise<{ data: { profileId: string; since: string }[]; nextCursor: string | null }> {
    await this.get(workspaceId, id);
    const limit = opts.limit ?? 100;
    const rows = await this.db.query<{ profile_id: string; since: Date }>(
      'select profile_id, since from segment_members where segment_id = $1 and profile_id > $2 order by profile_id limit $3', [id, opts.cursor ?? '', limit + 1]);
    const page = rows.slice(0, limit);
    return { data: page.map(r => ({ profileId: r.profile_id, since: isoOf(r.since) })), nextCursor: rows.length > limit ? page[page.length - 1].profile_id : null };
  }

  /** A page of members with what a person recognises each by (name, email, phone, user id), for the console. */
  async membersWithContacts(workspaceId: string, id: string, opts: { limit?: number; cursor?: string }) {
    const page = await this.members(workspaceId, id, opts);
    const who = await sampleProfiles(this.db, page.data.map(m => m.profileId));
    return { ...page, data: page.data.map((m, i) => ({ ...m, name: who[i].name, email: who[i].email, phone: who[i].phone, userId: who[i].userId })) };
  }

  /** Segments a profile is in, for the profile view. */
  async membershipOf(profileId: string): Promise<{ id: string; name: string; since: string }[]> {
    const rows = await this.db.query<{ id: string; name: string; since: Date }>(
      'select s.id, s.name, m.since from segment_members m join segments s on s.id = m.segment_id where m.profile_id = $1 order by m.since', [profileId]);
    return rows.map(r => ({ id: r.id, name: r.name, since: isoOf(r.since) }));
  }

  /**
   * Size of a condition without saving it: exact over up to `exactUpTo` profiles, else
   * estimated from a random sample of them.
   */
  async preview(workspaceId: string, input: unknown, opts: { exactUpTo?: number; sample?: number } = {}): Promise<PreviewResult> {
    const condition = await validated(this.db, workspaceId, input, '');
    const compiled = compile(condition);
    const req = requirements(condition);
    const [{ n: total }] = await this.db.query<{ n: number }>('select count(*)::int as n from profiles where workspace_id = $1 and merged_into is null', [workspaceId]);
    const exact = total <= (opts.exactUpTo ?? 20_000);
    const now = this.clock.now();
    let matched = 0;
    let seen = 0;
    const sample: string[] = [];
    const reach = new ReachCounter();
    let cursor = '';
    for (;;) {
      const ids = exact
        ? (await this.db.query<{ id: string }>('select id from profiles where workspace_id = $1 and merged_into is null and id > $2 order by id limit 1000', [workspaceId, cursor])).map(r => r.id)
        : (await this.db.query<{ id: string }>('select id from profiles where workspace_id = $1 and merged_into is null order by random() limit $2', [workspaceId, opts.sample ?? 5000])).map(r => r.id);
      if (!ids.length) break;
      const names = req.events === 'any' ? null : [...req.events];
      const states = await loadStates(this.db, ids, req.lookback === null ? null : now - req.lookback, req.lookback === 0 ? [] : names);
      for (const st of states.values()) {
        seen++;
        const r = compiled.evaluate({ profile: { id: st.id, traits: st.traits, channels: st.channels, consent: st.consent, lastLocation: st.lastLocation }, computed: st.computed, segments: st.segments, events: st.events }, now);
        if (r.match) { matched++; reach.add(st.channels); if (sample.length < 20) sample.push(st.id); }
      }
      if (!exact || ids.length < 1000) break;
      cursor = ids[ids.length - 1];
    }
    const scale = exact ? 1 : total / Math.max(1, seen);
    return {
      count: Math.round(matched * scale), estimated: !exact, sample, total,
      reachable: reach.scaled(scale), sampleProfiles: await sampleProfiles(this.db, sample.slice(0, 5)),
    };
  }

  /** Where a segment is read: other segments' conditions and journeys (given by the caller, drafts and published versions). */
  async usage(workspaceId: string, id: string, journeys: JourneyDefs[]): Promise<SegmentUsage> {
    await this.get(workspaceId, id);
    const rows = await this.db.query<{ id: string; name: string; condition: Condition }>(
      'select id, name, condition from segments where workspace_id = $1 and id <> $2 order by created_at, id', [workspaceId, id]);
    return usageOf(id, rows, journeys);
  }

  // Computed traits

  async createTrait(workspaceId: string, input: unknown) {
    const def = parseComputedTrait(input, 'computedTrait');
    if (BUILTIN_NAMES.has(def.name)) throw conflict(`"${def.name}" is a built-in computed trait`, 'name');
    const id = newId('ct');
    const now = this.clock.now();
    const rows = await this.db.query(`insert into computed_traits (id, workspace_id, name, definition, created_at, updated_at) values ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($5 / 1000.0))
       on conflict (workspace_id, name) do nothing returning id`, [id, workspaceId, def.name, JSON.stringify(def), now]);
    if (!rows.length) throw conflict(`a computed trait named "${def.name}" exists`, 'name');
    return { id, ...def, createdAt: new Date(now).toISOString() };
  }

  async listTraits(workspaceId: string) {
    const rows = await this.db.query<{ id: string; definition: Record<string, unknown>; created_at: Date }>('select id, definition, created_at from computed_traits where workspace_id = $1 order by name', [workspaceId]);
    return [...rows.map(r => ({ id: r.id, ...r.definition, builtin: false, createdAt: isoOf(r.created_at) })), ...[...BUILTIN_NAMES].map(name => ({ id: name, name, builtin: true }))];
  }

  async removeTrait(workspaceId: string, id: string) {
    const rows = await this.db.query('delete from computed_traits where id = $1 and workspace_id = $2 returning name', [id, workspaceId]);
    if (!rows.length) throw notFound(`computed trait ${id}`);
  }
}
