import type { Tx } from '../../store/index.ts';
import { parseDuration } from '../../shared/index.ts';
import type { AudienceStep } from '../definition/index.ts';
import type { JourneyWrites } from './writes.ts';
import type { Run } from './types.ts';

interface Add { kind: 'add'; run: Run; stepId: string; step: AudienceStep; now: number }
interface Expire { kind: 'expire'; membershipId: number; now: number }

/**
 * Audience changes as the journey stage makes them within one batch: additions, and
 * memberships whose time ran out, are gathered and written when the stage is done, in one
 * statement for each stretch of the same kind, instead of one per run (a crowd of 20,000 runs
 * woken into an audience step moved on at about 730 runs/s). Stretches keep their order, so a
 * profile whose membership expires and who is then added again is in the audience after the
 * batch, as when each change was written at once. A profile is in an audience at most once:
 * the first addition in a stretch counts, and none when the profile is in it already. A
 * removal first writes what is gathered, so it removes those too.
 */
export class BatchAudiences {
  private queued: (Add | Expire)[] = [];

  constructor(private writes: JourneyWrites) {}

  add(run: Run, stepId: string, step: AudienceStep, now: number) { this.queued.push({ kind: 'add', run, stepId, step, now }); }

  /** The membership's time in the audience ran out (its expiry timer fired). */
  expire(membershipId: number, now: number) { this.queued.push({ kind: 'expire', membershipId, now }); }

  /** Ends the run's open memberships (one audience's, or every one its journey added). */
  async remove(tx: Tx, run: Pick<Run, 'workspaceId' | 'profileId' | 'journeyId'>, now: number, reason: string, audience?: string): Promise<number> {
    await this.flush(tx);
    return removeFromAudiences(tx, run, now, reason, audience);
  }

  async flush(tx: Tx) {
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length;) {
      let j = i + 1;
      while (j < queued.length && queued[j].kind === queued[i].kind) j++;
      const stretch = queued.slice(i, j);
      if (stretch[0].kind === 'add') await this.insert(tx, stretch as Add[]);
      else {
        const expired = stretch as Expire[];
        await tx.query(
          `update audience_memberships m set removed_at = to_timestamp(x.at / 1000.0), removed_reason = 'expired'
             from jsonb_to_recordset($1::jsonb) as x(id bigint, at float8) where m.id = x.id and m.removed_at is null`,
          [JSON.stringify(expired.map(e => ({ id: e.membershipId, at: e.now })))]);
      }
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

export async function removeFromAudiences(tx: Tx, run: Pick<Run, 'workspaceId' | 'profileId' | 'journeyId'>, now: number, reason: string, audience?: string): Promise<number> {
  const rows = await tx.query(
    `update audience_memberships set removed_at = to_timestamp($4 / 1000.0), removed_reason = $5
      where workspace_id = $1 and profile_id = $2 and removed_at is null and ($6::text is null and journey_id = $3 or audience = $6) returning id`,
    [run.workspaceId, run.profileId, run.journeyId, now, reason, audience ?? null]);
  return rows.length;
}
