import type { Queryable } from '../store/index.ts';
import type { Profile } from '../shared/index.ts';

/** Channels every preview names, even at zero, so a marketer sees the gap rather than a missing row. */
export const PREVIEW_CHANNELS = ['email', 'sms', 'push'] as const;

export interface SampleProfile { id: string; name: string | null; email: string | null; phone: string | null; userId: string | null }

export interface PreviewResult {
  count: number; estimated: boolean; sample: string[]; total: number;
  /** Matching profiles reachable per channel, by the same rule as the `reachable` condition (scaled like `count` when estimated). */
  reachable: Record<string, number>;
  /** The first few sample profiles with what a person recognises them by. */
  sampleProfiles: SampleProfile[];
}

/** Counts matching profiles per reachable channel. */
export class ReachCounter {
  private counts = new Map<string, number>(PREVIEW_CHANNELS.map(c => [c, 0]));

  add(channels: Profile['channels']): void {
    for (const [ch, v] of Object.entries(channels)) {
      if (v && typeof v === 'object' && (v as { reachable?: unknown }).reachable === true) this.counts.set(ch, (this.counts.get(ch) ?? 0) + 1);
    }
  }

  scaled(scale: number): Record<string, number> {
    return Object.fromEntries([...this.counts].map(([c, n]) => [c, Math.round(n * scale)]));
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Name, email, phone and user id of a few profiles, in the order given. */
export async function sampleProfiles(q: Queryable, ids: string[]): Promise<SampleProfile[]> {
  if (!ids.length) return [];
  const [profiles, identities] = await Promise.all([
    q.query<{ id: string; traits: Record<string, unknown> }>('select id, traits from profiles where id = any($1::text[])', [ids]),
    q.query<{ profile_id: string; type: string; value: string }>(
      `select profile_id, type, value from identities where profile_id = any($1::text[]) and type in ('email', 'phone', 'user_id') order by first_seen, value`, [ids]),
  ]);
  const traits = new Map(profiles.map(p => [p.id, p.traits]));
  return ids.map(id => {
    const t = traits.get(id) ?? {};
    const first = (type: string) => identities.find(i => i.profile_id === id && i.type === type)?.value ?? null;
    const name = str(t.name) ?? ([str(t.firstName), str(t.lastName)].filter(Boolean).join(' ') || null);
    return { id, name, email: first('email'), phone: first('phone'), userId: first('user_id') };
  });
}
