import type { Tx } from '../store/index.ts';
import type { Identity, Profile, StoredEvent } from '../shared/index.ts';
import { newId, type Clock } from '../shared/index.ts';
import {
  extractIdentifiers, normalizeIdentifier, resolve, lookupIdentities, identitiesOfProfiles, suppressedAmong, hashIdentifier,
  insertIdentities, applyMerges, insertConflicts, type CompiledRules, type MergeRow, type ConflictRow, type GraphView,
} from '../identity/index.ts';
import { applyEvent, emptyProfile, mergeInto } from './apply.ts';
import { loadProfiles, saveProfiles } from './repo.ts';

const key = (i: Identity) => `${i.type}\u0000${i.value}`;

export interface CustomerStageDeps {
  clock: Clock;
  rulesFor(workspaceId: string, q: Tx): Promise<CompiledRules>;
}

/**
 * Stages 1 and 2 of the pipeline for a batch of one workspace's events, in order: resolve
 * each event's identifiers to one profile (creating or merging profiles), then fold the
 * event into that profile. The whole batch is read in a few queries, decided in memory,
 * and written in a few set-based statements inside the caller's transaction, so a crash
 * leaves the batch unprocessed rather than half done.
 *
 * Returns the events kept (with profileId set), in order; events naming a forgotten
 * identifier are deleted and left out.
 */
export async function resolveAndApply(tx: Tx, workspaceId: string, batch: StoredEvent[], deps: CustomerStageDeps): Promise<StoredEvent[]> {
  const rules = await deps.rulesFor(workspaceId, tx);
  const now = deps.clock.now();
  // Events Omnis itself produced (segment changes, message feedback) name their profile.
  const pinnedOf = batch.map(e => (e.sourceId === INTERNAL_SOURCE && typeof e.context.profileId === 'string' ? e.context.profileId : null));
  const idsOf = batch.map((e, n) => (pinnedOf[n] ? [] : extractIdentifiers(e, rules)));
  // alias: previousId may be an earlier userId or an anonymousId; both are looked up and
  // the one the graph knows is used (anonymous_id when it knows neither).
  const aliasCandidates = batch.map(e => (e.type === 'alias' && e.previousId ? aliasIds(e.previousId, rules) : []));
  const all = dedupe([...idsOf.flat(), ...aliasCandidates.flat()]);

  const [found, suppressed] = await Promise.all([lookupIdentities(tx, workspaceId, all), suppressedAmong(tx, workspaceId, all)]);
  const owner = new Map<string, string>(found.map(r => [key(r), r.profile_id]));
  const pinned = await livePinned(tx, workspaceId, pinnedOf.filter((p): p is string => p !== null));
  const profileIds = [...new Set([...found.map(r => r.profile_id), ...pinned.values()])];
  const [held, profiles] = await Promise.all([identitiesOfProfiles(tx, profileIds), loadProfiles(tx, profileIds)]);
  const holds = new Map<string, Identity[]>();
  for (const r of held) { let l = holds.get(r.profile_id); if (!l) holds.set(r.profile_id, (l = [])); l.push({ type: r.type, value: r.value }); }

  const graph: GraphView = {
    profileOf: i => owner.get(key(i)),
    identitiesOf: p => holds.get(p) ?? [],
    createdAt: p => profiles.get(p)?.createdAt ?? now,
  };

  const dirty = new Set<string>();
  const newIdentities: { type: string; value: string; profileId: string; at: number }[] = [];
  const merges: MergeRow[] = [];
  const conflicts: ConflictRow[] = [];
  const dropped: number[] = [];
  const kept: StoredEvent[] = [];

  batch.forEach((e, n) => {
    const pin = pinnedOf[n];
    if (pin) {
      const live = pinned.get(pin);
      const profile = live ? profiles.get(live) : undefined;
      if (!live || !profile) { dropped.push(e.seq); return; }
      // Omnis's own bookkeeping ($timer, segment changes, message statuses) says nothing about
      // where the person was active; a journey's update step still sets traits.
      if (e.channel !== 'internal' || e.type === 'identify') { applyEvent(profile, e, [], now, { seen: false }); dirty.add(live); }
      e.profileId = live;
      kept.push(e);
      return;
    }
    const ids = idsOf[n];
    if (aliasCandidates[n].length) {
      const known = aliasCandidates[n].find(i => owner.has(key(i)));
      const prev = known ?? aliasCandidates[n].find(i => i.type === 'anonymous_id');
      if (prev && !ids.some(i => key(i) === key(prev))) ids.push(prev);
    }
    if (!ids.length || ids.some(i => suppressed.has(hashIdentifier(i)))) { dropped.push(e.seq); return; }
    const r = resolve(ids, graph, rules);
    let pid = r.profileId;
    let profile: Profile;
    if (!pid) {
      pid = newId('prof');
      profile = emptyProfile(pid, workspaceId, now);
      profile.createdAt = Math.min(now, e.timestamp);
      profiles.set(pid, profile);
      holds.set(pid, []);
    } else profile = profiles.get(pid)!;

    for (const m of r.mergeFrom) {
      const other = profiles.get(m.profileId)!;
      mergeInto(profile, other, now);
      for (const i of holds.get(m.profileId) ?? []) { owner.set(key(i), pid); holds.get(pid)!.push(i); }
      holds.delete(m.profileId);
      profiles.delete(m.profileId);
      dirty.delete(m.profileId);
      // An earlier merge in this batch into the profile now merged away moves on to the new survivor.
      for (const x of merges) if (x.survivorId === m.profileId) x.survivorId = pid;
      merges.push({ survivorId: pid, mergedId: m.profileId, viaType: m.via.type, viaValue: m.via.value, messageId: e.messageId, at: now });
    }
    for (const i of r.add) {
      owner.set(key(i), pid);
      holds.get(pid)!.push(i);
      newIdentities.push({ ...i, profileId: pid, at: e.timestamp });
    }
    for (const c of r.conflicts) {
      conflicts.push({ profileId: pid, type: c.leftOut.type, value: c.leftOut.value, otherProfileId: c.otherProfileId, reason: c.reason, messageId: e.messageId, at: now });
    }
    applyEvent(profile, e, ids, now);
    dirty.add(pid);
    e.profileId = pid;
    kept.push(e);
  });

  // Events assigned before a later merge in the same batch follow their profile to the survivor.
  const finalOf = new Map(merges.map(m => [m.mergedId, m.survivorId]));
  for (const e of kept) e.profileId = finalOf.get(e.profileId!) ?? e.profileId;
  for (const i of newIdentities) i.profileId = finalOf.get(i.profileId) ?? i.profileId;
  for (const c of conflicts) c.profileId = finalOf.get(c.profileId) ?? c.profileId;

  await saveProfiles(tx, [...dirty].map(id => profiles.get(id)!));
  await applyMerges(tx, workspaceId, merges);
  await insertIdentities(tx, workspaceId, dedupeBy(newIdentities.reverse(), i => key(i)));
  await insertConflicts(tx, workspaceId, conflicts);
  if (kept.length) {
    await tx.query(
      `insert into profile_events (profile_id, ts, seq, name)
       select x.p, to_timestamp(x.t / 1000.0), x.s, x.n from jsonb_to_recordset($1::jsonb) as x(s bigint, p text, t float8, n text)`,
      [JSON.stringify(kept.map(e => ({ s: e.seq, p: e.profileId, t: e.timestamp, n: e.event ?? '' })))],
    );
  }
  if (dropped.length) await tx.query('delete from events where seq = any($1::bigint[])', [dropped]);
  return kept;
}

export const INTERNAL_SOURCE = 'internal';

/** Pinned profile ids → the live profile each stands for now (merges followed); deleted ones are absent. */
async function livePinned(tx: Tx, workspaceId: string, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await tx.query<{ id: string; live: string }>(
    `select m.id, p.id as live from profiles m join profiles p on p.id = coalesce(m.merged_into, m.id)
      where m.id = any($1::text[]) and m.workspace_id = $2`, [[...new Set(ids)], workspaceId]);
  return new Map(rows.map(r => [r.id, r.live]));
}

function aliasIds(previousId: string, rules: CompiledRules): Identity[] {
  return (['user_id', 'anonymous_id'] as const).map(t => normalizeIdentifier(t, previousId, rules)).filter((i): i is Identity => i !== null);
}

function dedupe(ids: Identity[]): Identity[] { return dedupeBy(ids, key); }
function dedupeBy<T>(xs: T[], k: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter(x => { const s = k(x); if (seen.has(s)) return false; seen.add(s); return true; });
}
