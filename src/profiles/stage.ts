import type { Tx } from '../store/index.ts';
import type { Identity, StoredEvent } from '../shared/index.ts';
import { newId, type Clock } from '../shared/index.ts';
import {
  extractIdentifiers, normalizeIdentifier, resolve, lookupIdentities, identitiesOfProfiles, suppressedAmong, hashIdentifier,
  insertIdentities, applyMerges, insertConflicts, type CompiledRules, type MergeRow, type ConflictRow, type GraphView,
} from '../identity/index.ts';
import { isTimerEvent, type StageContext } from '../bus/index.ts';
import { applyEvent, emptyProfile, mergeInto } from './apply.ts';
import { loadProfiles, loadLiveProfiles, liveProfileIds, saveProfiles } from './repo.ts';
import { ProfileBatch, shareBatch, batchProfiles } from './batch.ts';
import type { ProfileCache, ProfileRecord } from './cache.ts';

const key = (i: Identity) => `${i.type}\u0000${i.value}`;

export interface CustomerStageDeps {
  clock: Clock;
  rulesFor(workspaceId: string, q: Tx): Promise<CompiledRules>;
  /** Hot profiles kept between batches (the pipeline's); without it every batch reads what it needs. */
  cache?: ProfileCache;
}

/**
 * Stages 1 and 2 of the pipeline for a batch of one workspace's events, in order: resolve
 * each event's identifiers to one profile (creating or merging profiles), then fold the
 * event into that profile. The whole batch is read in a few queries (only what the cache
 * does not hold), decided in memory, and written in a few set-based statements inside the
 * caller's transaction, so a crash leaves the batch unprocessed rather than half done. In
 * the pipeline (`ctx`), the batch's profiles are shared with the later stages and written
 * once, with what those stages changed (see ProfileBatch).
 *
 * Returns the events kept (with profileId set), in order; events naming a forgotten
 * identifier are deleted and left out.
 */
export async function resolveAndApply(tx: Tx, workspaceId: string, batch: StoredEvent[], deps: CustomerStageDeps, ctx?: StageContext): Promise<StoredEvent[]> {
  const rules = await deps.rulesFor(workspaceId, tx);
  const now = deps.clock.now();
  const cache = deps.cache;
  // Events the batch's stages emitted come through again in the same transaction: the
  // profiles are the batch's (not yet written, and maybe created by it).
  const prior = batchProfiles(ctx);
  const cached = (id: string) => { const r = prior?.get(id) ?? cache?.get(id); return r && r.profile.workspaceId === workspaceId ? r : undefined; };
  // Events Omnis itself produced (segment changes, message feedback) name their profile.
  const pinnedOf = batch.map(e => (e.sourceId === INTERNAL_SOURCE && typeof e.context.profileId === 'string' ? e.context.profileId : null));
  const idsOf = batch.map((e, n) => (pinnedOf[n] ? [] : extractIdentifiers(e, rules)));
  // alias: previousId may be an earlier userId or an anonymousId; both are looked up and
  // the one the graph knows is used (anonymous_id when it knows neither).
  const aliasCandidates = batch.map(e => (e.type === 'alias' && e.previousId ? aliasIds(e.previousId, rules) : []));
  const all = dedupe([...idsOf.flat(), ...aliasCandidates.flat()]);

  // An identifier a cached profile owns needs no lookup, and cannot be suppressed: deleting
  // a profile evicts it before the next batch.
  const owner = new Map<string, string>();
  const unknown: Identity[] = [];
  for (const i of all) { const o = cache?.ownerOf(workspaceId, i); if (o && cached(o)) owner.set(key(i), o); else unknown.push(i); }
  const [found, suppressed] = await Promise.all([lookupIdentities(tx, workspaceId, unknown), suppressedAmong(tx, workspaceId, unknown)]);
  for (const r of found) owner.set(key(r), r.profile_id);
  const pinnedIds = [...new Set(pinnedOf.filter((p): p is string => p !== null))];
  // A fired timer changes nothing of its profile, so a profile only timers name is located
  // (merges followed), not read: a later stage that needs it reads it (the journey stage, for
  // journeys whose steps read profiles). Read whole, 1,000 timers' profiles took about a fifth
  // of a crowd's drain.
  const read = new Set<string>();
  batch.forEach((e, n) => { const p = pinnedOf[n]; if (p !== null && !isTimerEvent(e)) read.add(p); });
  // A pinned id not in the cache is read with its live profile (it may have been merged away).
  const uncached = pinnedIds.filter(p => !cached(p));
  const [{ live: pinned, records: pinnedRecords }, located] = await Promise.all([
    loadLiveProfiles(tx, workspaceId, uncached.filter(p => read.has(p))),
    liveProfileIds(tx, workspaceId, uncached.filter(p => !read.has(p))),
  ]);
  for (const p of pinnedIds) if (cached(p)) pinned.set(p, p);
  // Located only: live profiles no other event of the batch reaches.
  const unread = new Set<string>();
  for (const [asked, live] of located) { pinned.set(asked, live); unread.add(live); }
  if (unread.size) for (const id of [...owner.values(), ...pinnedRecords.keys()]) unread.delete(id);

  const records = new Map<string, ProfileRecord>();
  const ask: string[] = [];
  const identitiesOf: string[] = [];
  let hits = 0;
  for (const id of new Set([...owner.values(), ...pinned.values()])) {
    const r = cached(id);
    if (r) { records.set(id, r); hits++; continue; }
    if (unread.has(id)) continue;
    identitiesOf.push(id);
    const p = pinnedRecords.get(id);
    if (p) records.set(id, p); else ask.push(id);
  }
  if (cache) { cache.hits += hits; cache.misses += identitiesOf.length; }
  const [held, loaded] = await Promise.all([identitiesOfProfiles(tx, identitiesOf), loadProfiles(tx, ask)]);
  for (const [id, r] of loaded) records.set(id, r);
  for (const r of held) records.get(r.profile_id)?.identities.push({ type: r.type, value: r.value });

  const graph: GraphView = {
    profileOf: i => owner.get(key(i)),
    identitiesOf: p => records.get(p)?.identities ?? [],
    createdAt: p => records.get(p)?.profile.createdAt ?? now,
  };

  const dirty = new Set<string>();
  const newIdentities: { type: string; value: string; profileId: string; at: number }[] = [];
  const merges: MergeRow[] = [];
  const conflicts: ConflictRow[] = [];
  const dropped: number[] = [];
  const kept: StoredEvent[] = [];
  const created = new Set<string>();

  batch.forEach((e, n) => {
    const pin = pinnedOf[n];
    if (pin) {
      const live = pinned.get(pin);
      const profile = live ? records.get(live)?.profile : undefined;
      if (!live || (!profile && !unread.has(live))) { dropped.push(e.seq); return; }
      // Omnis's own bookkeeping ($timer, segment changes, message statuses) says nothing about
      // where the person was active; a journey's update step still sets traits.
      if (profile && (e.channel !== 'internal' || e.type === 'identify') && applyEvent(profile, e, [], now, { seen: false })) dirty.add(live);
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
    if (!ids.length || (suppressed.size && ids.some(i => suppressed.has(hashIdentifier(i))))) { dropped.push(e.seq); return; }
    const r = resolve(ids, graph, rules);
    let pid = r.profileId;
    let record: ProfileRecord;
    if (!pid) {
      pid = newId('prof');
      record = { profile: emptyProfile(pid, workspaceId, now), computed: {}, identities: [] };
      record.profile.createdAt = Math.min(now, e.timestamp);
      records.set(pid, record);
      created.add(pid);
    } else record = records.get(pid)!;

    for (const m of r.mergeFrom) {
      const other = records.get(m.profileId)!;
      mergeInto(record.profile, other.profile, now);
      for (const i of other.identities) { owner.set(key(i), pid); record.identities.push(i); }
      records.delete(m.profileId);
      dirty.delete(m.profileId);
      // An earlier merge in this batch into the profile now merged away moves on to the new survivor.
      for (const x of merges) if (x.survivorId === m.profileId) x.survivorId = pid;
      merges.push({ survivorId: pid, mergedId: m.profileId, viaType: m.via.type, viaValue: m.via.value, messageId: e.messageId, at: now });
    }
    for (const i of r.add) {
      owner.set(key(i), pid);
      record.identities.push(i);
      newIdentities.push({ ...i, profileId: pid, at: e.timestamp });
    }
    for (const c of r.conflicts) {
      conflicts.push({ profileId: pid, type: c.leftOut.type, value: c.leftOut.value, otherProfileId: c.otherProfileId, reason: c.reason, messageId: e.messageId, at: now });
    }
    applyEvent(record.profile, e, ids, now);
    dirty.add(pid);
    e.profileId = pid;
    kept.push(e);
  });

  // Events assigned before a later merge in the same batch follow their profile to the survivor.
  const finalOf = new Map(merges.map(m => [m.mergedId, m.survivorId]));
  for (const e of kept) e.profileId = finalOf.get(e.profileId!) ?? e.profileId;
  for (const i of newIdentities) i.profileId = finalOf.get(i.profileId) ?? i.profileId;
  for (const c of conflicts) c.profileId = finalOf.get(c.profileId) ?? c.profileId;

  if (ctx) {
    for (const m of merges) { created.delete(m.survivorId); created.delete(m.mergedId); }
    let shared = prior;
    if (shared) shared.absorb(records, created);
    else shareBatch(ctx, (shared = new ProfileBatch(tx, ctx, records, created)));
    for (const id of dirty) shared.touch(id);
  } else await saveProfiles(tx, [...dirty].map(id => records.get(id)!));
  await applyMerges(tx, workspaceId, merges);
  await insertIdentities(tx, workspaceId, dedupeBy(newIdentities.reverse(), i => key(i)));
  await insertConflicts(tx, workspaceId, conflicts);
  // A fired timer is not something the customer did, and has no row in the log to point at.
  const history = kept.filter(e => !isTimerEvent(e));
  if (history.length) {
    await tx.query(
      `insert into profile_events (profile_id, ts, seq, name)
       select x.p, to_timestamp(x.t / 1000.0), x.s, x.n from jsonb_to_recordset($1::jsonb) as x(s bigint, p text, t float8, n text)`,
      [JSON.stringify(history.map(e => ({ s: e.seq, p: e.profileId, t: e.timestamp, n: e.event ?? '' })))],
    );
  }
  if (dropped.length) await tx.query('delete from events where seq = any($1::bigint[])', [dropped]);
  // A merge moved events and identities between profiles: caches of either must be read again.
  if (merges.length) ctx?.evict(merges.flatMap(m => [m.survivorId, m.mergedId]));
  if (cache) {
    const gone = merges.map(m => m.mergedId);
    if (ctx) ctx.afterCommit(() => cache.put(records.values(), gone));
    else cache.clear();
  }
  return kept;
}

export const INTERNAL_SOURCE = 'internal';

/** Pinned profile ids → the live profile each stands for now (merges followed); deleted ones are absent. */
function aliasIds(previousId: string, rules: CompiledRules): Identity[] {
  return (['user_id', 'anonymous_id'] as const).map(t => normalizeIdentifier(t, previousId, rules)).filter((i): i is Identity => i !== null);
}

function dedupe(ids: Identity[]): Identity[] { return dedupeBy(ids, key); }
function dedupeBy<T>(xs: T[], k: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter(x => { const s = k(x); if (seen.has(s)) return false; seen.add(s); return true; });
}
