import type { Db, Queryable, Tx } from '../store/index.ts';
import { ms, isoOf } from '../store/index.ts';
import { notFound, conflict, newId, invalid, groupBy, type Clock } from '../shared/index.ts';
import { parseJourney, validateForPublish, type JourneyDefinition } from './definition/index.ts';
import { JourneyCatalog } from './engine/catalog.ts';
import { parsePolicy, DEFAULT_POLICY, checkPolicy, type ContactPolicy, type PolicyDecision, type SentMessage } from './policy/index.ts';

export type JourneyStatus = 'draft' | 'active' | 'paused' | 'archived';

interface JourneyRow { id: string; name: string; status: JourneyStatus; draft: JourneyDefinition; version: number; created_at: Date; updated_at: Date }

export class JourneyService {
  /** Published versions, for the priorities the contact policy compares. */
  private readonly versions = new JourneyCatalog();

  constructor(private db: Db, private clock: Clock, private templateExists: (workspaceId: string, key: string, channel: string) => Promise<boolean> = async () => true) {}

  async create(workspaceId: string, input: unknown) {
    const def = parseJourney(input);
    const id = newId('jrn');
    const now = new Date(this.clock.now()).toISOString();
    await this.db.query(`insert into journeys (id, workspace_id, name, status, draft, created_at, updated_at) values ($1, $2, $3, 'draft', $4, $5, $5)`,
      [id, workspaceId, def.name, JSON.stringify(def), now]);
    return this.get(workspaceId, id);
  }

  async update(workspaceId: string, id: string, input: unknown) {
    await this.row(workspaceId, id);
    const def = parseJourney(input);
    await this.db.query(`update journeys set draft = $2, name = $3, updated_at = $4 where id = $1`, [id, JSON.stringify(def), def.name, new Date(this.clock.now()).toISOString()]);
    return this.get(workspaceId, id);
  }

  /** A new immutable version from the draft; runs in flight stay on theirs. */
  async publish(workspaceId: string, id: string) {
    const row = await this.row(workspaceId, id);
    if (row.status === 'archived') throw conflict('an archived journey cannot be published', 'status');
    const segs = new Set((await this.db.query<{ id: string }>('select id from segments where workspace_id = $1', [workspaceId])).map(r => r.id));
    // A template that does not exist yet does not block publishing (it may be written next);
    // the answer warns, and a send that finds no template is recorded as failed with that reason.
    const warnings: { field: string; message: string }[] = [];
    for (const [stepId, s] of Object.entries(row.draft.steps)) {
      if (s.type !== 'send') continue;
      const channels = Array.isArray(s.channel) ? s.channel : [s.channel];
      for (const c of channels) {
        if (c === 'best') continue;
        const key = typeof s.template === 'string' ? s.template : s.template[c];
        if (key && !(await this.templateExists(workspaceId, key, c))) warnings.push({ field: `steps.${stepId}.template`, message: `template "${key}" does not exist for channel "${c}"` });
      }
    }
    const def = validateForPublish(row.draft, { templateExists: () => true, segmentExists: sid => segs.has(sid) });
    const now = new Date(this.clock.now()).toISOString();
    await this.db.transaction(async tx => {
      const [{ v }] = await tx.query<{ v: number }>('update journeys set version = version + 1, status = $2, updated_at = $3 where id = $1 returning version as v', [id, 'active', now]);
      await tx.query('insert into journey_versions (journey_id, version, definition, published_at) values ($1, $2, $3, $4)', [id, v, JSON.stringify(def), now]);
    });
    return { ...(await this.get(workspaceId, id)), warnings };
  }

  async setStatus(workspaceId: string, id: string, action: 'pause' | 'resume' | 'archive') {
    const row = await this.row(workspaceId, id);
    const now = this.clock.now();
    if (action === 'pause') { if (row.status !== 'active') throw conflict(`only an active journey can be paused (it is ${row.status})`, 'status'); }
    if (action === 'resume') { if (row.status !== 'paused') throw conflict(`only a paused journey can be resumed (it is ${row.status})`, 'status'); }
    const status: JourneyStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'archived';
    await this.db.transaction(async tx => {
      await tx.query('update journeys set status = $2, updated_at = $3 where id = $1', [id, status, new Date(now).toISOString()]);
      if (action === 'archive') {
        // Its active runs end as an exit ends them: their ad audiences are left and queued messages cancelled (with their history).
        const at = new Date(now).toISOString();
        // Runs first and in the pipeline's order (engine/runs.ts activeRuns), so the two never deadlock.
        const ended = await tx.query<{ id: string }>(`update journey_runs set status = 'exited', end_reason = 'archived', ended_at = $2, waiting = null
          where id in (select id from journey_runs where journey_id = $1 and status = 'active' order by entered_at, id for update) and status = 'active' returning id`, [id, at]);
        await tx.query(`update audience_memberships set removed_at = $2, removed_reason = 'journey archived' where removed_at is null and run_id = any($1::text[])`, [ended.map(r => r.id), at]);
        await tx.query(`with moved as (update messages set status = 'cancelled', reason = 'journey archived', updated_at = $2 where journey_id = $1 and status = 'queued' returning id)
          insert into message_status_history (message_id, status, reason, at) select id, 'cancelled', 'journey archived', $2 from moved`, [id, at]);
      }
    });
    return this.get(workspaceId, id);
  }

  async get(workspaceId: string, id: string) {
    const r = await this.row(workspaceId, id);
    const published = r.version ? (await this.db.query<{ definition: JourneyDefinition }>('select definition from journey_versions where journey_id = $1 and version = $2', [id, r.version]))[0]?.definition : null;
    return { id: r.id, name: r.name, status: r.status, version: r.version, draft: r.draft, published: published ?? null, createdAt: isoOf(r.created_at), updatedAt: isoOf(r.updated_at) };
  }

  async list(workspaceId: string) {
    const rows = await this.db.query<JourneyRow>('select * from journeys where workspace_id = $1 order by created_at, id', [workspaceId]);
    return rows.map(r => ({ id: r.id, name: r.name, status: r.status, version: r.version, createdAt: isoOf(r.created_at), updatedAt: isoOf(r.updated_at) }));
  }

  private async row(workspaceId: string, id: string): Promise<JourneyRow> {
    const rows = await this.db.query<JourneyRow>('select * from journeys where id = $1 and workspace_id = $2', [id, workspaceId]);
    if (!rows[0]) throw notFound(`journey ${id}`);
    return rows[0];
  }

  /** Journeys a profile is in and where. */
  async runsOf(profileId: string) {
    const rows = await this.db.query<{ id: string; journey_id: string; name: string; version: number; step: string | null; status: string; entered_at: Date; holdout: boolean }>(
      `select r.id, r.journey_id, j.name, r.version, r.step, r.status, r.entered_at, r.holdout from journey_runs r join journeys j on j.id = r.journey_id
        where r.profile_id = $1 order by r.entered_at desc limit 50`, [profileId]);
    return rows.map(r => ({ runId: r.id, journeyId: r.journey_id, name: r.name, version: r.version, step: r.step, status: r.status, holdout: r.holdout, enteredAt: isoOf(r.entered_at) }));
  }

  // Contact policy

  async policy(q: Queryable, workspaceId: string): Promise<ContactPolicy> {
    const rows = await q.query<{ policy: unknown }>('select policy from contact_policies where workspace_id = $1', [workspaceId]);
    return rows[0] ? parsePolicy(rows[0].policy) : DEFAULT_POLICY;
  }

  async setPolicy(workspaceId: string, input: unknown): Promise<ContactPolicy> {
    if (!input || typeof input !== 'object') throw invalid('body', 'expected a contact policy object');
    const p = parsePolicy(input);
    await this.db.query(`insert into contact_policies (workspace_id, policy, updated_at) values ($1, $2, $3) on conflict (workspace_id) do update set policy = excluded.policy, updated_at = excluded.updated_at`,
      [workspaceId, JSON.stringify(p), new Date(this.clock.now()).toISOString()]);
    return p;
  }

  /**
   * The contact policy at send time, for the outbox's round of messages: for each, the
   * customer's marketing sends of the last 31 days across every journey (on every profile
   * merged into theirs, or merged with theirs into one), and the priority of the journey asking.
   * Read once for the round: the policy per workspace, the sends in one statement. A
   * transactional send is exempt from every rule, so it reads nothing.
   */
  async checkAtSend(tx: Tx, asks: { m: { workspaceId: string; profileId: string; channel: string; purpose: 'marketing' | 'transactional'; journeyId: string | null; journeyVersion: number | null }; timezone: string | null }[], now: number): Promise<PolicyDecision[]> {
    // A published version never changes: the catalog reads each one once per process.
    const priority = async (id: string | null, version: number | null) => (id && version ? (await this.versions.version(tx, id, version)).priority : 0);
    const candidate = (m: (typeof asks)[number]['m'], p: number) => ({ channel: m.channel, purpose: m.purpose, journeyId: m.journeyId ?? '', priority: p });
    const out: PolicyDecision[] = new Array(asks.length);
    const indexes = asks.map((_, n) => n);
    for (const n of indexes) if (asks[n].m.purpose === 'transactional') out[n] = checkPolicy(DEFAULT_POLICY, candidate(asks[n].m, 0), [], asks[n].timezone, now);
    const marketing = groupBy(indexes.filter(n => asks[n].m.purpose === 'marketing'), n => asks[n].m.workspaceId);
    for (const [workspaceId, which] of marketing) {
      const policy = await this.policy(tx, workspaceId);
      const rows = await tx.query<{ asked: string; channel: string; at: Date; journey_id: string | null; journey_version: number | null }>(
        `with asked as (select unnest($1::text[]) as id),
              kin(asked, id) as (
                select a.id, p.id from asked a join profiles p on p.id = a.id
                union select a.id, p.id from asked a join profiles p on p.merged_into = a.id
                union select a.id, p.id from asked a join profiles x on x.id = a.id join profiles p on p.id = x.merged_into
                union select a.id, p.id from asked a join profiles x on x.id = a.id join profiles p on p.merged_into = x.merged_into)
         select k.asked, m.channel, coalesce(m.sent_at, m.updated_at) as at, m.journey_id, m.journey_version
           from kin k join messages m on m.profile_id = k.id
          where m.workspace_id = $3 and m.purpose = 'marketing' and m.status in ('sent', 'delivered') and coalesce(m.sent_at, m.updated_at) > $2`,
        [[...new Set(which.map(n => asks[n].m.profileId))], new Date(now - 31 * 86_400_000).toISOString(), workspaceId]);
      const history: (SentMessage & { asked: string })[] = [];
      for (const r of rows) history.push({ asked: r.asked, channel: r.channel, at: ms(r.at), journeyId: r.journey_id ?? '', priority: await priority(r.journey_id, r.journey_version), purpose: 'marketing' });
      const sent = groupBy(history, h => h.asked);
      for (const n of which) {
        const { m, timezone } = asks[n];
        out[n] = checkPolicy(policy, candidate(m, await priority(m.journeyId, m.journeyVersion)), sent.get(m.profileId) ?? [], timezone, now);
      }
    }
    return out;
  }
}
