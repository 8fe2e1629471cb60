import type { Tx } from '../../store/index.ts';
import { parseDuration } from '../../shared/index.ts';
import type { AudienceStep } from '../definition/index.ts';
import type { JourneyWrites } from './writes.ts';
import type { Run } from './types.ts';

interface Add { kind: 'add'; run: Run; stepId: string; step: AudienceStep; now: number }
interface Expire { kind: 'expire'; membershipId: number; now: number }
/** The run's journey's open memberships of the profile end (one audience's, when named). */
interface Remove { kind: 'remove'; run: Pick<Run, 'workspaceId' | 'profileId' | 'journeyId'>; audience: string | null; reason: string; now: number }

/**
 * Audience changes as the journey stage makes them within one batch: additions, removals and
 * memberships whose time ran out are gathered and written when the stage is done, in one
 * statement for each stretch of the same kind, instead of one per run (a crowd of 20,000 runs
 * woken into an audience step moved on at about 730 runs/s). Stretches keep their order, so a
 * profile whose membership expires (or is removed) and who is then added again is in the
 * audience after the batch, and one added and then removed is not, as when each change was
 * written at once. A profile is in an audience at most once: the first addition in a stretch
 * counts, and none when the profile is in it already.
 */
export class BatchAudiences {
  private queued: (Add | Expire | Remove)[] = [];

  constructor(private writes: JourneyWrites) {}

  add(run: Run, stepId: string, step: AudienceStep, now: number) { this.queued.push({ kind: 'add', run, stepId, step, now }); }

  /** The membership's time in the audience ran out (its expiry timer fired). */
  expire(membershipId: number, now: number) { this.queued.push({ kind: 'expire', membershipId, now }); }

  /** Ends the open memberships the run's journey gave the profile (one audience's, or all of them). */
  remove(run: Pick<Run, 'workspaceId' | 'profileId' | 'journeyId'>, now: number, reason: string, audience?: string) {
    this.queued.push({ kind: 'remove', run, audience: audience ?? null, reason, now });
  }

  async flush(tx: Tx) {
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length;) {
      let j = i + 1;
      while (j < queued.length && queued[j].kind === queued[i].kind) j++;
      const stretch = queued.slice(i, j);
      if (stretch[0].kind === 'add') await this.insert(tx, stretch as Add[]);
      else if (stretch[0].kind === 'remove') await removeFromAudiences(tx, stretch as Remove[]);
      else await expireMemberships(tx, stretch as Expire[]);
      i = j;
    }
  }

  private async insert(tx: Tx, adds: Add[]) {
    // Keyed by profile and audience: the batch is one workspace's (see Processor.runStages).
    const first = new Map<string, Add>();
    for (const a of adds) {
      const k = `${a.run.profileId}\u0000${a.step.audience}`;
      if (!first.has(k)) first.set(k, a);
    }
    const rows = await tx.query<{ id: number; profile_id: string; audience: string }>(
      `insert into audience_memberships (workspace_id, audience, profile_id, journey_id, run_id, platforms, offer, frequency_cap, added_at)
       select x.w, x.a, x.p, x.j, x.r, x.pl, x.o, x.f, to_timestamp(x.at / 1000.0)
         from jsonb_to_recordset($1::jsonb) as x(n int, w text, a text, p text, j text, r text, pl jsonb, o jsonb, f jsonb, at float8)
        where not exists (select 1 from audience_memberships m where m.profile_id = x.p and m.audience = x.a and m.workspace_id = x.w and m.removed_at is null)
        -- Ids in the order the runs took the steps, as when each was written at once.
        order by x.n
       returning id, profile_id, audience`,
      [JSON.stringify([...first.values()].map(({ run, step, now }, n) => ({
        n, w: run.workspaceId, a: step.audience, p: run.profileId, j: run.journeyId, r: run.id, pl: step.platforms ?? [], o: step.offer ?? null, f: step.frequency_cap ?? null, at: now,
      })))]);
    for (const r of rows) {
      const { run, stepId, step, now } = first.get(`${r.profile_id}\u0000${r.audience}`)!;
      if (step.for) this.writes.timer(run, `ja:${r.id}`, now + parseDuration(step.for, `steps.${stepId}.for`), 'audience_expiry', { membershipId: Number(r.id) });
    }
  }
}

/**
 * Ends open memberships: for each removal, the profile's in the named audience, or every one
 * the run's journey gave it. A membership two removals match ends once, with the first's reason.
 */
async function removeFromAudiences(tx: Tx, removals: Remove[]): Promise<void> {
  await tx.query(
    `with hit as (
       select distinct on (m.id) m.id, x.reason, x.at from jsonb_to_recordset($1::jsonb) as x(n int, w text, p text, j text, a text, reason text, at float8)
         join audience_memberships m on m.workspace_id = x.w and m.profile_id = x.p and m.removed_at is null and (x.a is null and m.journey_id = x.j or m.audience = x.a)
        order by m.id, x.n
     )
     update audience_memberships m set removed_at = to_timestamp(hit.at / 1000.0), removed_reason = hit.reason from hit where m.id = hit.id`,
    [JSON.stringify(removals.map(({ run, audience, reason, now }, n) => ({ n, w: run.workspaceId, p: run.profileId, j: run.journeyId, a: audience, reason, at: now })))]);
}

/** Ends the memberships whose time ran out, those still open. */
async function expireMemberships(tx: Tx, expired: Expire[]): Promise<void> {
  await tx.query(
    `update audience_memberships m set removed_at = to_timestamp(x.at / 1000.0), removed_reason = 'expired'
       from jsonb_to_recordset($1::jsonb) as x(id bigint, at float8) where m.id = x.id and m.removed_at is null`,
    [JSON.stringify(expired.map(e => ({ id: e.membershipId, at: e.now })))]);
}
